// Builds crates/explore/assets/plotly/plotly-{2d,3d}.min.js from the pinned npm packages, and
// beside them the licences of every package whose code went into them. Run through build.sh.
import { build } from 'esbuild';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '../../crates/explore/assets/plotly');
const plotly = JSON.parse(readFileSync(join(here, 'node_modules/plotly.js/package.json'), 'utf8'));

const bundles = { '2d': 'scatter, heatmap and contour', '3d': 'scatter, heatmap, contour, scatter3d and surface' };
const inputs = new Set();
for (const [name, traces] of Object.entries(bundles)) {
    const result = await build({
        entryPoints: [join(here, `entry-${name}.js`)],
        bundle: true,
        minify: true,
        format: 'iife',
        globalName: 'Plotly',
        target: 'es2016',
        // As plotly.js's own esbuild-config.js; the map traces' CSS is not wanted.
        define: { global: 'window', 'define.amd': 'false' },
        alias: { regl: '@plotly/regl', stream: 'stream-browserify' },
        loader: { '.css': 'empty' },
        legalComments: 'none',
        banner: {
            js: `/* plotly.js v${plotly.version} (MIT), trimmed for slope to ${traces}; ` +
                `the licences of all it contains: THIRD-PARTY-LICENSES.txt */`,
        },
        metafile: true,
        write: false,
        absWorkingDir: here,
        logLevel: 'warning',
    });
    const bytes = result.outputFiles[0].contents;
    writeFileSync(join(out, `plotly-${name}.min.js`), bytes);
    console.log(`plotly-${name}.min.js: ${bytes.length} bytes`);
    // Only what left code in the bundle: the map traces' CSS, loaded as empty, does not count.
    for (const [input, { bytesInOutput }] of Object.entries(Object.values(result.metafile.outputs)[0].inputs)) {
        if (bytesInOutput > 0 && !input.endsWith(".css")) inputs.add(input);
    }
}

// The packages the bundle holds code of, each with its licence text.
const packages = new Map();
for (const input of inputs) {
    const at = input.lastIndexOf('node_modules/');
    if (at < 0) continue;
    const rest = input.slice(at + 'node_modules/'.length).split('/');
    const name = rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
    packages.set(name, join(here, input.slice(0, at), 'node_modules', name));
}
const names = [...packages.keys()].sort();
let text = `The Plotly bundles (plotly-2d.min.js, plotly-3d.min.js) hold code of these ${names.length} npm packages.\n` +
    `Each one's licence follows, as its package ships it.\n`;
for (const name of names) {
    const dir = packages.get(name);
    const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const file = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'license', 'license.md', 'LICENCE', 'COPYING']
        .map((f) => join(dir, f)).find(existsSync);
    const licence = typeof meta.license === 'string' ? meta.license : JSON.stringify(meta.license ?? meta.licenses);
    text += `\n${'='.repeat(78)}\n${name} ${meta.version} (${licence})\n${'='.repeat(78)}\n`;
    text += file ? readFileSync(file, 'utf8').trim() + '\n' : `(the package ships no licence file; package.json says: ${licence})\n`;
}
writeFileSync(join(out, 'THIRD-PARTY-LICENSES.txt'), text);
console.log(`THIRD-PARTY-LICENSES.txt: ${names.length} packages`);
