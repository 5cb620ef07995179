// The remaining-characters counter, counted as the server counts a status:
// every link stands for 23 characters, a mention for its @username part (the
// domain is free), and characters are grapheme clusters (a flag counts once).

const URL_LENGTH = 23;
const TRAILING = ".,:;!?'\"*";
// \w as Python's re reads it (Unicode letters and digits, and "_").
const W = "[\\p{L}\\p{N}_]";
const TOKEN = new RegExp(
  `(?<url>https?://[^\\s<>"]+)` +
  `|(?<!${W.slice(0, -1)}/@])@(?<user>[A-Za-z0-9_]{1,30})(?<domain>@[\\p{L}\\p{N}_-]+(?:\\.[\\p{L}\\p{N}_-]+)*(?::\\d+)?)?` +
  `|(?<!${W.slice(0, -1)}=/)&#])#(?<tag>${W}+)`,
  "gu",
);
const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

function trimUrl(url) {
  let opens = url.split("(").length - 1;
  let closes = url.split(")").length - 1;
  let end = url.length;
  while (end) {
    const last = url[end - 1];
    if (last === ")" && opens < closes) closes -= 1;
    else if (!TRAILING.includes(last)) break;
    end -= 1;
  }
  return url.slice(0, end);
}

function countableText(text) {
  let out = "";
  let pos = 0;
  TOKEN.lastIndex = 0;
  let match;
  while ((match = TOKEN.exec(text)) !== null) {
    out += text.slice(pos, match.index);
    if (match.groups.url !== undefined) {
      const url = trimUrl(match.groups.url);
      pos = match.index + url.length;
      out += url.split("://")[1] ? "x".repeat(URL_LENGTH) : url;
      TOKEN.lastIndex = pos;
    } else {
      pos = match.index + match[0].length;
      out += match.groups.user !== undefined ? "@" + match.groups.user : match[0];
    }
  }
  return out + text.slice(pos);
}

export function countLength(text, spoiler = "") {
  let n = 0;
  for (const _ of segmenter.segment(spoiler + countableText(text))) n += 1;
  return n;
}
