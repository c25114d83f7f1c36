/** EC2's query protocol in and out: flat `A.1.B=x` form fields to objects, and XML answers. */

type Tree = { [k: string]: Tree | string };

/** `Filter.1.Name=a&Filter.1.Value.1=b` → `{ Filter: [{ Name: 'a', Value: ['b'] }] }`. */
export function parseQuery(body: string): Record<string, unknown> {
  const root: Tree = {};
  for (const [k, v] of new URLSearchParams(body)) {
    const path = k.split('.');
    let cur: Tree = root;
    for (let i = 0; i < path.length - 1; i++) {
      const next = cur[path[i]];
      cur[path[i]] = typeof next === 'object' ? next : {};
      cur = cur[path[i]] as Tree;
    }
    cur[path.at(-1)!] = v;
  }
  return toArrays(root) as Record<string, unknown>;
}

/** Objects whose keys are all 1..n become arrays. */
function toArrays(t: Tree | string): unknown {
  if (typeof t === 'string') return t;
  const keys = Object.keys(t);
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = toArrays(t[k]);
  if (keys.length && keys.every((k) => /^\d+$/.test(k)))
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((n) => out[String(n)]);
  return out;
}

function esc(s: string | number | boolean): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** `<tag>…</tag>` from a string (escaped), a number, or already-built XML (an array of pieces). */
export function x(tag: string, content: string | number | boolean | string[] | null | undefined): string {
  if (content === null || content === undefined) return '';
  const inner = Array.isArray(content) ? content.join('') : esc(content);
  return `<${tag}>${inner}</${tag}>`;
}

/** `<set><item>…</item>…</set>`, EC2's list shape. */
export function items(tag: string, list: string[][]): string {
  return x(
    tag,
    list.map((i) => x('item', i)),
  );
}

export function tagSet(tags: { Key: string; Value: string }[]): string {
  return items(
    'tagSet',
    tags.map((t) => [x('key', t.Key), x('value', t.Value)]),
  );
}

export function ec2Response(action: string, body: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">${x('requestId', 'fake-request')}${body.join('')}</${action}Response>`;
}

export function ec2Error(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>${x('Code', code)}${x('Message', message)}</Error></Errors>${x('RequestID', 'fake-request')}</Response>`;
}
