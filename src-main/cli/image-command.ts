// `mqboard image`: builds ESP-IDF app images for rehearsing OTA on virtual boards, and checks
// an image file (a real MicroPython .bin or a built one) the way the bootloader would.
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { validateAppImage } from '../common/firmware-image.js';
import { checkPartitionImage } from '../sim/ota-state.js';
import { writeTestImage } from '../sim/firmware-image-builder.js';

function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmM]?)$/.exec(text.trim());
  if (!m) throw new Error(`invalid size "${text}" (examples: 1500000, 1.5M, 800K)`);
  const factor = m[2]?.toLowerCase() === 'm' ? 1_000_000 : m[2]?.toLowerCase() === 'k' ? 1000 : 1;
  return Math.round(Number(m[1]) * factor);
}

export function registerImageCommands(program: Command): void {
  const image = program.command('image').description('build or check ESP-IDF app images (OTA firmware files)');
  image
    .command('build')
    .description('build a valid test image, e.g. to rehearse an OTA on virtual boards')
    .requiredOption('-o, --output <file>', 'where to write the image')
    .option('--app-version <version>', 'version string in the app description', 'v1.27.0-test')
    .option('--project <name>', 'project name in the app description', 'micropython')
    .option('--size <bytes>', 'approximate image size (1.5M, 800K, ...)', '1.5M')
    .action(async (o: { output: string; appVersion: string; project: string; size: string }) => {
      const built = await writeTestImage(o.output, { version: o.appVersion, projectName: o.project, totalSize: parseSize(o.size) });
      console.log(`${built.path}: ${built.size} bytes, ${o.project} ${o.appVersion}`);
    });
  image
    .command('check <file>')
    .description('validate an image: header, segments, checksum, SHA-256, app description')
    .option('--json', 'print the result as JSON')
    .action((file: string, o: { json?: boolean }) => {
      const bytes = fs.readFileSync(file);
      const structural = validateAppImage(bytes);
      const result = structural.ok ? checkPartitionImage(bytes) : structural;
      const desc = result.info.appDesc;
      if (o.json) {
        console.log(JSON.stringify({ ok: result.ok, error: result.ok ? undefined : result.error, version: desc?.version, project: desc?.projectName, size: result.info.imageLength }));
      } else if (result.ok) {
        console.log(`${file}: valid ${desc?.projectName} ${desc?.version} image, ${result.info.imageLength} bytes, ${result.info.segments.length} segments`);
      } else {
        console.error(`${file}: ${result.error}`);
      }
      if (!result.ok) process.exitCode = 2;
    });
}
