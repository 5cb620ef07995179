// Polls: the one in a status (a vote form while it runs and the viewer has
// not voted, then the results with percentages) and the poll part of the
// composer (2 to 4 options, a duration, one or several choices).

import { api } from "./api.js";
import { h, replace, announce } from "./dom.js";

let seq = 0;

export const DURATIONS = [
  [300, "5 minutes"], [1800, "30 minutes"], [3600, "1 hour"], [21600, "6 hours"],
  [86400, "1 day"], [259200, "3 days"], [604800, "7 days"],
];

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

function timeLeft(iso) {
  const seconds = (Date.parse(iso) - Date.now()) / 1000;
  if (seconds < 60) return "less than a minute";
  for (const [word, size] of [["day", 86400], ["hour", 3600], ["minute", 60]]) {
    if (seconds >= size) return plural(Math.floor(seconds / size), word);
  }
  return "";
}

const ended = (poll) => poll.expired || (poll.expires_at && Date.parse(poll.expires_at) <= Date.now());

function results(poll) {
  // As Mastodon: a multiple-choice poll counts against the voters, not the votes.
  const total = poll.multiple ? (poll.voters_count ?? poll.votes_count) : poll.votes_count;
  const own = new Set(poll.own_votes || []);
  return h("ul", { class: "poll-results", "aria-label": "Poll results" }, poll.options.map((option, index) => {
    const hidden = option.votes_count === null || option.votes_count === undefined;
    const percent = hidden ? null : total ? Math.round((option.votes_count * 100) / total) : 0;
    const bar = h("span", { class: "bar" });
    // Set through the CSSOM: the page's policy refuses style attributes.
    bar.style.width = `${percent || 0}%`;
    return h("li", { class: own.has(index) ? "own" : null },
      h("span", { class: "line" },
        h("strong", { class: "percent" }, hidden ? "–" : `${percent}%`), " ",
        h("span", { class: "title" }, option.title),
        own.has(index) ? h("span", { class: "tag" }, " (your choice)") : null),
      h("span", { class: "track", "aria-hidden": "true" }, bar));
  }));
}

function summary(poll) {
  const voters = poll.voters_count;
  const count = voters === null || voters === undefined ? plural(poll.votes_count, "vote") : voters === 1 ? "1 person" : `${voters} people`;
  const when = ended(poll) ? "Closed" : poll.expires_at ? `Ends in ${timeLeft(poll.expires_at)}` : "Open";
  return h("p", { class: "poll-summary" }, `${count} · ${when}`);
}

// The poll of a status, kept on the status object so a redraw of the status
// (a like, say) shows the same state.
export function renderPoll(status, ctx) {
  const box = h("div", { class: "poll", "aria-live": "polite" });
  const draw = () => {
    const poll = status.poll;
    if (!ctx.me || poll.voted || ended(poll)) {
      replace(box, results(poll), summary(poll));
      return;
    }
    const name = `poll-${poll.id}-${++seq}`;
    const error = h("p", { class: "error", role: "alert", hidden: true });
    const vote = h("button", { type: "submit" }, "Vote");
    const form = h("form", { class: "poll-form", "aria-label": "Poll" },
      h("fieldset", {},
        h("legend", { class: "visually-hidden" }, poll.multiple ? "Choose one or more" : "Choose one"),
        poll.options.map((option, index) => h("label", { class: "check poll-option" },
          h("input", { type: poll.multiple ? "checkbox" : "radio", name, value: String(index) }), " ", option.title))),
      error, h("div", { class: "poll-bar" }, vote, summary(poll)));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const choices = [...form.querySelectorAll("input:checked")].map((input) => Number(input.value));
      if (!choices.length) {
        error.textContent = "Choose an option first.";
        error.hidden = false;
        return;
      }
      vote.disabled = true;
      try {
        status.poll = await api("POST", `/api/v1/polls/${poll.id}/votes`, { json: { choices } });
        draw();
        announce("Vote counted.");
      } catch (e) {
        error.textContent = `Not counted: ${e.message}`;
        error.hidden = false;
        vote.disabled = false;
      }
    });
    replace(box, form);
  };
  draw();
  return box;
}

// The composer's poll part. value() is the JSON poll to send, or null when
// the poll is off; set() fills it in from an existing poll (editing).
export function pollEditor(id, ctx, onChange) {
  const conf = ctx.instance?.configuration?.polls || {};
  const maxOptions = conf.max_options || 4;
  const maxChars = conf.max_characters_per_option || 50;
  let options = ["", ""];
  let active = false;
  const list = h("ol", { class: "poll-options" });
  const add = h("button", { type: "button", class: "link" }, "Add an option");
  const duration = h("select", { id: `${id}-poll-duration` },
    DURATIONS.map(([seconds, label]) => h("option", { value: String(seconds), selected: seconds === 86400 }, label)));
  const multiple = h("input", { type: "checkbox", id: `${id}-poll-multiple` });
  const fieldset = h("fieldset", { class: "poll-editor", hidden: true },
    h("legend", {}, "Poll"), list, add,
    h("div", { class: "poll-settings" },
      h("label", { for: duration.id }, "Duration"), duration,
      h("label", { class: "check" }, multiple, " Several choices allowed")));

  const draw = (focus) => {
    replace(list, options.map((value, index) => h("li", {},
      h("label", { for: `${id}-poll-${index}`, class: "visually-hidden" }, `Option ${index + 1}`),
      h("input", { type: "text", id: `${id}-poll-${index}`, value, maxlength: maxChars, placeholder: `Option ${index + 1}`,
        oninput: (e) => { options[index] = e.target.value; onChange(); } }),
      options.length > 2
        ? h("button", { type: "button", class: "link", "aria-label": `Remove option ${index + 1}`, onclick: () => {
          options.splice(index, 1);
          draw(Math.min(index, options.length - 1));
          onChange();
        } }, "Remove")
        : null)));
    add.hidden = options.length >= maxOptions;
    if (focus !== undefined) list.querySelectorAll("input")[focus]?.focus();
  };
  add.addEventListener("click", () => { options.push(""); draw(options.length - 1); onChange(); });
  draw();

  return {
    node: fieldset,
    get active() { return active; },
    toggle(on = !active) {
      active = on;
      fieldset.hidden = !on;
      if (on) list.querySelector("input")?.focus();
      onChange();
    },
    set(poll) {
      options = poll.options.map((o) => o.title);
      multiple.checked = Boolean(poll.multiple);
      draw();
    },
    reset() { options = ["", ""]; multiple.checked = false; duration.value = "86400"; draw(); },
    value() {
      if (!active) return null;
      return { options: options.map((o) => o.trim()), expires_in: Number(duration.value), multiple: multiple.checked };
    },
  };
}
