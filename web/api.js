// The one place the dashboard talks to the API: the same public routes any user calls, with the API key
// (if one was entered) sent as a bearer token on every request.

const KEY_STORAGE = "reelsplit.apiKey";
/** The key entered when localStorage is unavailable. */
let memoryKey = null;

export class ApiError extends Error {
  /**
   * @param {"network" | "auth" | "forbidden" | "problem"} kind network: the API could not be reached; auth: it
   *   wants a (valid) API key (401); forbidden: the key may not read this (403); problem: any other error document
   */
  constructor(kind, status, detail, path) {
    super(detail);
    this.name = "ApiError";
    this.kind = kind;
    this.status = status;
    this.detail = detail;
    this.path = path;
  }
}

export function apiKey() {
  try {
    return localStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function setApiKey(key) {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage disabled: the key lasts until the page is closed
  }
  memoryKey = key || null;
}

const authListeners = new Set();

/** Called with the ApiError each time the API refuses a request for want of a (valid) API key. */
export function onAuthRequired(listener) {
  authListeners.add(listener);
  return () => authListeners.delete(listener);
}

function headers(accept) {
  const h = { accept };
  const key = apiKey() ?? memoryKey;
  if (key) h.authorization = `Bearer ${key}`;
  return h;
}

/**
 * GET `path` from the API. Resolves with `{ status, body }`; statuses in `allow` (e.g. 503 of /health)
 * resolve too, every other error throws an ApiError whose detail is the problem document's sentence.
 */
export async function request(path, { signal, allow = [], accept = "application/json" } = {}) {
  let res;
  try {
    res = await fetch(path, { headers: headers(accept), signal, cache: "no-store" });
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError("network", 0, `Cannot reach the API at ${location.origin}`, path);
  }
  const type = res.headers.get("content-type") ?? "";
  const body = type.includes("json") ? await res.json().catch(() => null) : await res.text().catch(() => "");
  if (res.status === 401) {
    const err = new ApiError("auth", res.status, body?.detail ?? "this API needs an API key", path);
    for (const listener of authListeners) listener(err);
    throw err;
  }
  if (res.status === 403) throw new ApiError("forbidden", res.status, body?.detail ?? "this API key may not read this", path);
  if (!res.ok && !allow.includes(res.status)) {
    const detail = body && typeof body === "object" && body.detail ? body.detail : `${res.status} ${res.statusText}`;
    throw new ApiError("problem", res.status, detail, path);
  }
  return { status: res.status, body };
}

export async function getJson(path, options) {
  return (await request(path, options)).body;
}

/** Downloads `path` as a file (with the API key, which a plain link could not send). */
export async function download(path, filename) {
  let res;
  try {
    res = await fetch(path, { headers: headers("text/csv, */*"), cache: "no-store" });
  } catch {
    throw new ApiError("network", 0, `Cannot reach the API at ${location.origin}`, path);
  }
  if (!res.ok) {
    const body = await res.json().catch(() => null);
    const kind = res.status === 401 ? "auth" : res.status === 403 ? "forbidden" : "problem";
    throw new ApiError(kind, res.status, body?.detail ?? res.statusText, path);
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
