// Front-end asset build: `npm run build`. Writes static/build/ from frontend/.
// Deterministic (clean output dir, no timestamps), one summary line, exit 1 on error.
import { copyFile, mkdir, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'
import * as sass from 'sass'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'static', 'build')
const govukAssets = join(root, 'node_modules', 'govuk-frontend', 'dist', 'govuk', 'assets')
const ASSETS_URL = '/static/build/assets/' // must match $assets-path in frontend/scss/_asset-urls.scss

function compileCss () {
  return sass.compile(join(root, 'frontend', 'scss', 'app.scss'), {
    loadPaths: [join(root, 'node_modules')],
    style: 'compressed',
    quietDeps: true, // no warnings from GOV.UK Frontend's own Sass
    silenceDeprecations: ['import', 'global-builtin'] // in case a dependency still uses them
  }).css
}

// Copy exactly the GOV.UK Frontend files (images/fonts) that the CSS refers to;
// refuse GOV.UK branding (crown/crest images).
async function copyCssAssets (css) {
  const wanted = new Set()
  for (const [, url] of css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)) {
    if (/crown|crest/i.test(url)) throw new Error(`app.css refers to GOV.UK branding: ${url}`)
    if (url.startsWith('data:')) continue
    if (!url.startsWith(ASSETS_URL)) throw new Error(`app.css refers to an asset outside ${ASSETS_URL}: ${url}`)
    wanted.add(url.slice(ASSETS_URL.length).split(/[?#]/)[0])
  }
  for (const file of [...wanted].sort()) {
    await mkdir(dirname(join(out, 'assets', file)), { recursive: true })
    await copyFile(join(govukAssets, file), join(out, 'assets', file))
  }
  return wanted.size
}

async function bundle (entry, outfile, sourcemap) {
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: [join(root, 'frontend', 'js', entry)],
    outfile: join(out, outfile),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap,
    legalComments: 'eof',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning'
  })
}

async function main () {
  await rm(out, { recursive: true, force: true })
  await mkdir(out, { recursive: true })

  const css = compileCss()
  if (/GDS Transport/.test(css)) throw new Error('app.css still contains GDS Transport')
  await writeFile(join(out, 'app.css'), css + '\n')
  const assetCount = await copyCssAssets(css)

  await bundle('app.js', 'app.js', false)
  await bundle('room.js', 'room.js', true)
  await copyFile(join(root, 'node_modules', 'axe-core', 'axe.min.js'), join(out, 'axe.min.js'))

  const files = ['app.css', 'app.js', 'room.js', 'room.js.map', 'axe.min.js']
  const sizes = await Promise.all(files.map(async f => `${f} ${((await stat(join(out, f))).size / 1024).toFixed(1)} kB`))
  console.log(`build-assets: ${sizes.join(', ')}, ${assetCount} asset file(s) -> ${relative(root, out)}/`)
}

try {
  await main()
} catch (err) {
  console.error(`build-assets: FAILED: ${err.stack || err.message || err}`)
  process.exitCode = 1
}
