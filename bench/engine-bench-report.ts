// The printed summary of the engine benchmark: one line per figure and broker, each ratio with
// its spread over the rounds (min..max), so a reader sees at once how much a shared machine moved it.
type Spread = { min: number; median: number; max: number };
type Section = Record<string, unknown>;

const pct = (x: unknown) => `${Math.round(Number(x) * 100)} %`;
const pctSpread = (s: unknown) => {
  const { min, max } = s as Spread;
  return `${pct(min)}..${pct(max)}`;
};
const xSpread = (s: unknown) => {
  const { min, max } = s as Spread;
  return `${min}x..${max}x`;
};
const met = (b: unknown) => (b ? 'MET' : 'NOT met');

export function summaryRows(kind: string, r: Record<string, Section>, o: { size: number; fileSize: number; fleet: number }): Array<[string, string]> {
  const ota = r.ota!;
  const ev = r.eval!;
  const files = r.files!;
  const fleet = r.fleet!;
  return [
    [`${kind} OTA ${o.size} B`, `${ota.otaMBps} MB/s vs raw pipe ${ota.rawPipeMBps} MB/s: ${pct(ota.otaShareOfRawPipe)} (rounds ${pctSpread(ota.otaShareSpread)}; goal >= 50 %: ${met(ota.goalMet)})`],
    [`${kind} diag OTA window 16`, `${ota.diagWindow16MBps} MB/s with version 1's window; the board's announced window (${ota.window}) is ${ota.diagAnnouncedToWindow16}x faster`],
    [
      `${kind} diag raw pipe to board`,
      `${ota.diagRawPipeToBoardMBps} MB/s into a handler that only counts (the board's ceiling): ${pct(ota.diagRawPipeToBoardShare)} of the raw pipe; the OTA reaches ${pct(ota.diagOtaShareOfRawPipeToBoard)} of it`,
    ],
    [
      `${kind} eval round trip`,
      `p50 ${ev.evalP50Ms} ms / p99 ${ev.evalP99Ms} ms vs raw publish -> subscribe p50 ${ev.rawP50Ms} ms / p99 ${ev.rawP99Ms} ms: ` +
        `p50 ${ev.p50Ratio}x (blocks ${xSpread(ev.p50RatioSpread)}), p99 ${ev.p99Ratio}x (goal p50 <= 1.5x: ${met(ev.goalMet)})`,
    ],
    [`${kind} context echo`, `console -> broker -> Node echo client -> broker -> console: p50 ${ev.echoP50Ms} ms / p99 ${ev.echoP99Ms} ms (eval p50 is ${ev.p50RatioToEcho}x that)`],
    [`${kind} diag raw eval`, `plain mqtt.js straight to the board, replies pre-subscribed: p50 ${ev.diagRawBoardEvalP50Ms} ms / p99 ${ev.diagRawBoardEvalP99Ms} ms`],
    [
      `${kind} diag board echo`,
      `a handler of the board's MQTT client publishing straight back (the board's floor): p50 ${ev.diagBoardEchoP50Ms} ms / p99 ${ev.diagBoardEchoP99Ms} ms (eval p50 is ${ev.p50RatioToBoardEcho}x that)`,
    ],
    [
      `${kind} put / get ${o.fileSize} B`,
      `put ${files.putMBps} MB/s (${pct(files.putShareOfRawPipe)} of raw; rounds ${(files.putMBpsSpread as Spread).min}..${(files.putMBpsSpread as Spread).max}), ` +
        `get ${files.getMBps} MB/s (${pct(files.getShareOfRawPipe)} of raw; rounds ${(files.getMBpsSpread as Spread).min}..${(files.getMBpsSpread as Spread).max}), raw pipe ${files.rawPipeMBps} MB/s`,
    ],
    [
      `${kind} ${o.fleet} boards at once`,
      `${fleet.allBoardsMs} ms vs ${fleet.oneBoardMs} ms for one: ${fleet.ratioAllToOne}x the time for ${o.fleet}x the boards (${fleet.aggregateMBps} MB/s aggregate vs ${fleet.oneBoardMBps} MB/s)`,
    ],
  ];
}
