// The Mastodon API over fetch. The token lives in localStorage and travels
// only in the Authorization header (never in a URL, so never in a log).

const TOKEN = "roost.token";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export const token = {
  get: () => localStorage.getItem(TOKEN),
  set: (value) => localStorage.setItem(TOKEN, value),
  clear: () => localStorage.removeItem(TOKEN),
};

function nextMaxId(link) {
  const match = /<([^>]+)>;\s*rel="next"/.exec(link || "");
  if (!match) return null;
  return new URL(match[1], location.origin).searchParams.get("max_id");
}

// api("GET", "/api/v1/timelines/home", {query: {max_id}}) -> parsed JSON;
// {form: FormData} sends multipart, {json: {...}} a JSON body.
export async function api(method, path, { query, json, form, auth = true, bearer } = {}) {
  const url = new URL(path, location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === "") continue;
    for (const v of [].concat(value)) url.searchParams.append(key, v);
  }
  const headers = { Accept: "application/json" };
  const secret = bearer || (auth ? token.get() : null);
  if (secret) headers.Authorization = `Bearer ${secret}`;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form) {
    body = form;
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body, credentials: "omit" });
  } catch {
    throw new ApiError(0, "The server cannot be reached. Check the connection and try again.");
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!response.ok) {
    const message = (data && (data.error_description || data.error)) || `The server answered ${response.status}.`;
    throw new ApiError(response.status, message);
  }
  if (Array.isArray(data)) data.next = nextMaxId(response.headers.get("Link"));
  return data;
}

// Upload with progress (fetch has none for request bodies): XMLHttpRequest.
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.setRequestHeader("Authorization", `Bearer ${token.get()}`);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onerror = () => reject(new ApiError(0, "The upload failed: the server cannot be reached."));
    xhr.onload = () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch { data = null; }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new ApiError(xhr.status, (data && data.error) || `The upload failed (${xhr.status}).`));
    };
    xhr.send(form);
  });
}
