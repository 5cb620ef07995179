// The composer: text with a live remaining-characters counter (counted as
// the server counts), content warning, visibility, reply, photos or a video
// with previews, alt text and upload progress, an optional location, a
// poll, and a time to post at (scheduled). With `edit` it edits one's own
// status instead (text, content warning and poll; visibility and media stay).
// A failed post keeps everything typed.

import { api, upload } from "./api.js";
import { h, replace, announce } from "./dom.js";
import { countLength } from "./count.js";
import { displayName } from "./status.js";
import { pollEditor } from "./poll.js";

let seq = 0;

// datetime-local wants the local time as "YYYY-MM-DDTHH:MM".
export function localInput(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function composer(ctx, { replyTo = null, edit = null, onPosted, onScheduled, onCancel } = {}) {
  const id = `compose-${++seq}`;
  const limits = ctx.instance?.configuration?.statuses || {};
  const maxChars = limits.max_characters || 500;
  const mediaConf = ctx.instance?.configuration?.media_attachments || {};
  const maxMedia = limits.max_media_attachments || 4;
  const attachments = []; // {file, preview, alt, progress, media, error}
  let position = null;

  const text = h("textarea", { id: `${id}-text`, name: "status", rows: 3, placeholder: replyTo ? "Write your reply" : "What is on your mind?", required: true });
  if (replyTo) {
    const mentions = [replyTo.account.acct, ...(replyTo.mentions || []).map((m) => m.acct)]
      .filter((acct, i, all) => acct !== ctx.me?.acct && all.indexOf(acct) === i);
    text.value = mentions.map((a) => `@${a} `).join("");
  }
  const cwToggle = h("input", { type: "checkbox", id: `${id}-cw-on` });
  const cw = h("input", { type: "text", id: `${id}-cw`, name: "spoiler_text", placeholder: "Content warning", hidden: true, "aria-label": "Content warning" });
  const visibility = h("select", { id: `${id}-visibility`, name: "visibility" },
    [["public", "Public"], ["unlisted", "Unlisted"], ["private", "Followers only"], ["direct", "Mentioned people only"]]
      .map(([value, label]) => h("option", { value, selected: value === (replyTo?.visibility || ctx.me?.source?.privacy || "public") }, label)));
  const counter = h("span", { class: "counter", id: `${id}-counter`, "aria-live": "polite" });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const previews = h("ul", { class: "previews", "aria-label": "Attachments" });
  const fileInput = h("input", { type: "file", id: `${id}-file`, accept: (mediaConf.supported_mime_types || ["image/jpeg", "image/png", "image/webp", "image/gif", "video/mp4", "video/webm"]).join(","), multiple: true, class: "visually-hidden" });
  const fileLabel = h("label", { for: `${id}-file`, class: "button" }, "Add photos or video");
  const placeLabel = h("span", { class: "place" });
  const placeButton = h("button", { type: "button", class: "link" }, "Add my location");
  const submitLabel = edit ? "Save" : replyTo ? "Reply" : "Post";
  const submit = h("button", { type: "submit", class: "primary" }, submitLabel);
  const poll = pollEditor(id, ctx, () => update());
  const pollButton = h("button", { type: "button", class: "link", "aria-pressed": "false", "aria-controls": `${id}-poll` }, "Poll");
  poll.node.id = `${id}-poll`;
  // Scheduling: at least five minutes ahead, which the server checks.
  const scheduleToggle = h("input", { type: "checkbox", id: `${id}-schedule-on` });
  const scheduleAt = h("input", { type: "datetime-local", id: `${id}-at`, name: "scheduled_at" });
  const scheduleBox = h("p", { class: "schedule", hidden: true }, h("label", { for: scheduleAt.id }, "Post at "), scheduleAt);
  const notice = h("p", { class: "composer-notice", role: "status" });
  const cancel = edit ? h("button", { type: "button", onclick: () => onCancel?.() }, "Cancel") : null;

  const uploading = () => attachments.some((a) => !a.media && !a.error);
  const update = () => {
    const remaining = maxChars - countLength(text.value, cwToggle.checked ? cw.value : "");
    counter.textContent = String(remaining);
    counter.setAttribute("aria-label", `${remaining} characters left`);
    counter.classList.toggle("over", remaining < 0);
    submit.disabled = remaining < 0 || uploading() || (!text.value.trim() && !attachments.length);
    // A post holds media or a poll, not both.
    pollButton.disabled = attachments.length > 0 || Boolean(edit?.media_attachments?.length);
    fileInput.disabled = poll.active;
    fileLabel.classList.toggle("disabled", poll.active);
    pollButton.setAttribute("aria-pressed", String(poll.active));
  };

  const drawPreviews = () => {
    replace(previews, attachments.map((a, index) => h("li", {},
      a.file.type.startsWith("video/")
        ? h("video", { src: a.preview, muted: true, "aria-hidden": "true" })
        : h("img", { src: a.preview, alt: "" }),
      h("label", { for: `${id}-alt-${index}` }, "Description (alt text)"),
      h("textarea", { id: `${id}-alt-${index}`, rows: 2, value: a.alt, oninput: (e) => { a.alt = e.target.value; } }),
      a.error ? h("p", { class: "error" }, a.error)
        : a.media ? null
          : h("progress", { max: 1, value: a.progress, "aria-label": `Uploading ${a.file.name}` }),
      h("button", { type: "button", class: "link", onclick: () => { attachments.splice(index, 1); URL.revokeObjectURL(a.preview); drawPreviews(); } }, "Remove"),
    )));
    update();
  };

  const waitProcessed = async (media) => {
    for (let i = 0; i < 60 && !media.url; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      media = await api("GET", `/api/v1/media/${media.id}`);
    }
    return media;
  };

  fileInput.addEventListener("change", () => {
    const picked = [...fileInput.files];
    fileInput.value = "";
    const hasVideo = [...attachments.map((a) => a.file), ...picked].some((f) => f.type.startsWith("video/"));
    if (attachments.length + picked.length > (hasVideo ? 1 : maxMedia)) {
      announce(hasVideo ? "A post holds one video, or photos without a video." : `A post holds up to ${maxMedia} photos.`);
      return;
    }
    for (const file of picked) {
      const a = { file, preview: URL.createObjectURL(file), alt: "", progress: 0, media: null, error: null, sentAlt: "" };
      attachments.push(a);
      const form = new FormData();
      form.append("file", file);
      upload("/api/v2/media", form, (p) => { a.progress = p; const bar = previews.querySelectorAll("progress")[attachments.indexOf(a)]; if (bar) bar.value = p; })
        .then(waitProcessed)
        .then((media) => { a.media = media; drawPreviews(); })
        .catch((e) => { a.error = e.message; drawPreviews(); });
    }
    drawPreviews();
  });

  placeButton.addEventListener("click", () => {
    if (position) { position = null; placeLabel.textContent = ""; placeButton.textContent = "Add my location"; return; }
    navigator.geolocation.getCurrentPosition(
      (p) => {
        position = { latitude: Number(p.coords.latitude.toFixed(4)), longitude: Number(p.coords.longitude.toFixed(4)) };
        placeLabel.textContent = `Location: ${position.latitude}, ${position.longitude}`;
        placeButton.textContent = "Remove location";
      },
      () => announce("The browser did not give a location."),
    );
  });

  pollButton.addEventListener("click", () => poll.toggle());
  scheduleToggle.addEventListener("change", () => {
    scheduleBox.hidden = !scheduleToggle.checked;
    submit.textContent = scheduleToggle.checked ? "Schedule" : submitLabel;
    if (scheduleToggle.checked) {
      if (!scheduleAt.value) scheduleAt.value = localInput(new Date(Date.now() + 3600000));
      scheduleAt.focus();
    }
  });
  cwToggle.addEventListener("change", () => { cw.hidden = !cwToggle.checked; if (cwToggle.checked) cw.focus(); update(); });
  text.addEventListener("input", update);
  cw.addEventListener("input", update);

  const formLabel = edit ? "Edit post" : replyTo ? `Reply to ${displayName(replyTo.account)}` : "New post";
  const form = h("form", { class: "composer", "aria-label": formLabel },
    h("label", { for: text.id, class: "visually-hidden" }, edit ? "Post text" : replyTo ? "Reply text" : "Post text"),
    text, cw, previews, poll.node, scheduleBox, error, notice,
    h("div", { class: "composer-bar" },
      h("label", { class: "check" }, cwToggle, h("span", { "aria-hidden": "true" }, " CW"), h("span", { class: "visually-hidden" }, "Content warning")),
      edit ? null : [h("label", { for: visibility.id, class: "visually-hidden" }, "Visibility"), visibility],
      ctx.features.has("media") && !edit ? [fileInput, fileLabel] : null,
      pollButton,
      edit ? null : [placeButton, placeLabel],
      edit || replyTo ? null : h("label", { class: "check" }, scheduleToggle, " Schedule"),
      counter, cancel, submit),
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    submit.disabled = true;
    error.hidden = true;
    try {
      for (const a of attachments) {
        if (a.media && a.alt !== a.sentAlt) {
          await api("PUT", `/api/v1/media/${a.media.id}`, { json: { description: a.alt } });
          a.sentAlt = a.alt;
        }
      }
      const spoiler = cwToggle.checked ? cw.value.trim() : "";
      if (edit) {
        // Absent media keep theirs; the same poll options keep the votes.
        const body = { status: text.value, spoiler_text: spoiler, sensitive: Boolean(edit.sensitive) };
        if (poll.value()) body.poll = poll.value();
        const saved = await api("PUT", `/api/v1/statuses/${edit.id}`, { json: body });
        announce("Saved.");
        onPosted?.(saved);
        return;
      }
      const body = { status: text.value, visibility: visibility.value };
      if (spoiler) body.spoiler_text = spoiler;
      if (replyTo) body.in_reply_to_id = replyTo.id;
      if (attachments.length) body.media_ids = attachments.map((a) => a.media.id);
      if (position) body.location = position;
      if (poll.value()) body.poll = poll.value();
      const scheduled = scheduleToggle.checked;
      if (scheduled) {
        const at = new Date(scheduleAt.value);
        if (!scheduleAt.value || Number.isNaN(at.getTime())) throw new Error("choose a date and time to post at.");
        body.scheduled_at = at.toISOString();
      }
      const status = await api("POST", "/api/v1/statuses", { json: body });
      text.value = ""; cw.value = ""; cwToggle.checked = false; cw.hidden = true;
      attachments.splice(0).forEach((a) => URL.revokeObjectURL(a.preview));
      position = null; placeLabel.textContent = ""; placeButton.textContent = "Add my location";
      poll.reset(); if (poll.active) poll.toggle(false);
      scheduleToggle.checked = false; scheduleBox.hidden = true; scheduleAt.value = ""; submit.textContent = submitLabel;
      drawPreviews();
      if (scheduled) {
        const when = new Date(status.scheduled_at).toLocaleString();
        replace(notice, `Scheduled for ${when}. `, h("a", { href: "/scheduled", "data-nav": true }, "See scheduled posts"));
        announce(`Scheduled for ${when}.`);
        onScheduled?.(status);
      } else {
        replace(notice);
        announce("Posted.");
        onPosted?.(status);
      }
    } catch (e) {
      // Everything typed stays in the form.
      error.textContent = `${edit ? "Not saved" : "Not posted"}: ${e.message}`;
      error.hidden = false;
    }
    update();
  });
  if (edit) {
    // The plain text to edit, as the author wrote it.
    text.disabled = true;
    if (edit.poll) { poll.set(edit.poll); poll.toggle(true); }
    api("GET", `/api/v1/statuses/${edit.id}/source`).then((source) => {
      text.value = source.text;
      if (source.spoiler_text) { cwToggle.checked = true; cw.hidden = false; cw.value = source.spoiler_text; }
      text.disabled = false;
      text.focus();
      update();
    }).catch((e) => {
      error.textContent = `Cannot edit: ${e.message}`;
      error.hidden = false;
    });
  }
  text.addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) form.requestSubmit(); });
  update();
  return form;
}
