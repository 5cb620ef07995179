// Small DOM helpers: elements are built with h(), never from HTML strings,
// except the server's status and bio HTML, which goes through sanitize().

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key === "class") {
      el.className = value;
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key === "value" || (key in el && typeof value !== "string")) {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// What status and profile HTML may hold: the tags Mastodon's sanitiser keeps,
// http(s) links only, and none of the other attributes (no on* handlers, no
// style). The server already escapes what people type; this is the second wall.
const ALLOWED = new Set(["P", "BR", "A", "SPAN", "B", "STRONG", "I", "EM", "DEL", "CODE", "PRE", "BLOCKQUOTE", "UL", "OL", "LI"]);

export function sanitize(html) {
  const template = document.createElement("template");
  template.innerHTML = html || "";
  const walk = (node) => {
    for (const child of [...node.childNodes]) {
      if (child.nodeType === Node.TEXT_NODE) continue;
      if (child.nodeType !== Node.ELEMENT_NODE) { child.remove(); continue; }
      walk(child);
      if (!ALLOWED.has(child.tagName)) {
        if (["SCRIPT", "STYLE", "TEMPLATE", "IFRAME", "OBJECT"].includes(child.tagName)) child.remove();
        else child.replaceWith(...child.childNodes);
        continue;
      }
      const href = child.getAttribute("href");
      const cls = child.getAttribute("class");
      for (const attr of [...child.attributes]) child.removeAttribute(attr.name);
      if (cls && /^[\w\s-]*$/.test(cls)) child.setAttribute("class", cls);
      if (child.tagName === "A") {
        if (href && /^https?:\/\//i.test(href)) {
          child.setAttribute("href", href);
          if (new URL(href).origin === location.origin) {
            child.dataset.nav = "";
          } else {
            child.setAttribute("rel", "nofollow noopener noreferrer");
            child.setAttribute("target", "_blank");
          }
        }
      }
    }
  };
  walk(template.content);
  return template.content;
}

const UNITS = [["y", 31536000], ["mo", 2592000], ["d", 86400], ["h", 3600], ["m", 60]];

export function ago(iso) {
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  for (const [unit, size] of UNITS) if (seconds >= size) return `${Math.floor(seconds / size)}${unit}`;
  return "now";
}

export function timeEl(iso) {
  const date = new Date(iso);
  return h("time", { datetime: iso, title: date.toLocaleString() }, ago(iso));
}

export function announce(text) {
  const live = document.getElementById("announcer");
  if (live) { live.textContent = ""; setTimeout(() => { live.textContent = text; }, 30); }
}

// A modal question with two buttons; resolves true when the action is
// chosen. Cancel comes first and takes the focus (Escape cancels too).
export function confirmDialog(question, action, keep = "Cancel") {
  return new Promise((resolve) => {
    const dialog = h("dialog", { class: "confirm", "aria-label": question },
      h("p", {}, question),
      h("form", { method: "dialog", class: "buttons" },
        h("button", { type: "submit", value: "cancel" }, keep),
        h("button", { type: "submit", value: "yes", class: "primary danger" }, action)));
    dialog.addEventListener("close", () => { dialog.remove(); resolve(dialog.returnValue === "yes"); });
    document.body.append(dialog);
    dialog.showModal();
  });
}
