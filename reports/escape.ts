// Escaping for every string that may come from an IUT (names, versions,
// evidence, error texts, node ids, keys, kinds). HTML text and double-quoted
// attribute values share one escaper; XML adds the removal of characters XML
// 1.0 cannot carry at all (NUL and most C0 controls, lone surrogates).

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

// C0 controls except tab, newline and carriage return; DEL and C1 controls;
// lone surrogates; the two non-characters U+FFFE/U+FFFF.
const INVALID_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching the characters XML forbids is the point
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Characters no XML or HTML document should carry, each replaced by U+FFFD. */
export function stripInvalid(s: string): string {
  return s.replace(INVALID_XML, '\ufffd');
}

/** Text content or a double-quoted attribute value, in HTML or inline SVG. */
export function escapeHtml(s: string | number | boolean | null | undefined): string {
  return stripInvalid(String(s ?? '')).replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** Text content or a double-quoted attribute value in XML (junit.xml). */
export function escapeXml(s: string | number | boolean | null | undefined): string {
  return escapeHtml(s);
}

/** A string safe to use inside an id attribute and a #fragment: [A-Za-z0-9_-] only. */
export function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
}
