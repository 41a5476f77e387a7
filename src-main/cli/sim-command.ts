// `mqboard sim`: runs a fleet of virtual boards against a broker.
import type { Command } from 'commander';

export function registerSimCommands(program: Command): void {
  void program;
}
