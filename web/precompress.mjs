// Writes .br and .gz beside every text or wasm asset of a trunk build, so the
// BFF can serve them precompressed (it never compresses on the fly), in
// subfolders too (the app's modules are in dist/app-HASH/).
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const dir = process.argv[2] ?? 'dist';
const compressible = new Set(['.wasm', '.js', '.css', '.html', '.svg', '.json', '.map']);
let raw = 0, br = 0, gz = 0;
const files = (d) => readdirSync(d).flatMap((name) => {
  const path = join(d, name);
  return statSync(path).isDirectory() ? files(path) : [path];
});
for (const path of files(dir)) {
  if (!compressible.has(extname(path))) continue;
  const bytes = readFileSync(path);
  const b = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
  const g = gzipSync(bytes, { level: 9 });
  writeFileSync(`${path}.br`, b);
  writeFileSync(`${path}.gz`, g);
  raw += bytes.length; br += b.length; gz += g.length;
}
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`precompressed ${dir}: ${kb(raw)} raw, ${kb(gz)} gzip, ${kb(br)} brotli`);
