import { minify } from 'terser';

export interface Minified {
  code: string;
  map?: string;
}

/** terser over the bundle: ES2019 output, ASCII only, keeps the "use strict" directive. */
export async function minifyBundle(code: string, map: string | undefined, ecma: 2019 | 2020 = 2019): Promise<Minified> {
  const r = await minify(code, {
    ecma,
    module: false,
    compress: { passes: 2, ecma },
    mangle: true,
    format: { ascii_only: true, ecma },
    sourceMap: map ? { content: map, asObject: false } : false,
  });
  return { code: r.code ?? '', map: typeof r.map === 'string' ? r.map : undefined };
}
