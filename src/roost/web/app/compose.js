// The composer: text with a live remaining-characters counter (counted as
// the server counts), content warning, visibility, reply, photos or a video
// with previews, alt text and upload progress, and an optional location.
// A failed post keeps everything typed.

import { api, upload } from "./api.js";
import { h, replace, announce } from "./dom.js";
import { countLength } from "./count.js";
import { displayName } from "./status.js";

let seq = 0;

export function composer(ctx, { replyTo = null, onPosted } = {}) {
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
  const submit = h("button", { type: "submit", class: "primary" }, replyTo ? "Reply" : "Post");

  const uploading = () => attachments.some((a) => !a.media && !a.error);
  const update = () => {
    const remaining = maxChars - countLength(text.value, cwToggle.checked ? cw.value : "");
    counter.textContent = String(remaining);
    counter.setAttribute("aria-label", `${remaining} characters left`);
    counter.classList.toggle("over", remaining < 0);
    submit.disabled = remaining < 0 || uploading() || (!text.value.trim() && !attachments.length);
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

  cwToggle.addEventListener("change", () => { cw.hidden = !cwToggle.checked; if (cwToggle.checked) cw.focus(); update(); });
  text.addEventListener("input", update);
  cw.addEventListener("input", update);

  const form = h("form", { class: "composer", "aria-label": replyTo ? `Reply to ${displayName(replyTo.account)}` : "New post" },
    h("label", { for: text.id, class: "visually-hidden" }, replyTo ? "Reply text" : "Post text"),
    text, cw, previews, error,
    h("div", { class: "composer-bar" },
      h("label", { class: "check" }, cwToggle, h("span", { "aria-hidden": "true" }, " CW"), h("span", { class: "visually-hidden" }, "Content warning")),
      h("label", { for: visibility.id, class: "visually-hidden" }, "Visibility"), visibility,
      ctx.features.has("media") ? [fileInput, fileLabel] : null, placeButton, placeLabel,
      counter, submit),
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
      const body = { status: text.value, visibility: visibility.value };
      if (cwToggle.checked && cw.value.trim()) body.spoiler_text = cw.value;
      if (replyTo) body.in_reply_to_id = replyTo.id;
      if (attachments.length) body.media_ids = attachments.map((a) => a.media.id);
      if (position) body.location = position;
      const status = await api("POST", "/api/v1/statuses", { json: body });
      text.value = ""; cw.value = ""; cwToggle.checked = false; cw.hidden = true;
      attachments.splice(0).forEach((a) => URL.revokeObjectURL(a.preview));
      position = null; placeLabel.textContent = ""; placeButton.textContent = "Add my location";
      drawPreviews();
      announce("Posted.");
      onPosted?.(status);
    } catch (e) {
      // Everything typed stays in the form.
      error.textContent = `Not posted: ${e.message}`;
      error.hidden = false;
    }
    update();
  });
  text.addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) form.requestSubmit(); });
  update();
  return form;
}
