// Integration tests start simulator workers from dist/main: build it once per run
// so the tests always exercise the current sources.
export default async function setup(): Promise<void> {
  // @ts-expect-error - plain ESM build script without type declarations
  const { buildMain } = (await import('./build-main.mjs')) as { buildMain: () => Promise<void> };
  await buildMain();
}
