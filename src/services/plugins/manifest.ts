/**
 * Reading a plugin manifest, `aistack-plugin.json` at the top of each plugin folder: the
 * file's name and size limit, and parsing its text against the schema in
 * protocol/plugin-manifest.ts before anything else happens.
 */
import { manifestSchema, type Manifest } from '../../protocol/plugin-manifest.js';

export const MANIFEST_FILE = 'aistack-plugin.json';
export const MANIFEST_MAX_BYTES = 256 * 1024;

/** Parses manifest text; on failure, one line naming each bad field. */
export function parseManifest(
  text: string,
): { ok: true; manifest: Manifest } | { ok: false; message: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, message: `${MANIFEST_FILE} is not valid JSON` };
  }
  const parsed = manifestSchema.safeParse(json);
  if (parsed.success) return { ok: true, manifest: parsed.data };
  const fields = parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(manifest)'}: ${i.message}`);
  return { ok: false, message: `invalid ${MANIFEST_FILE}: ${fields.join('; ')}` };
}
