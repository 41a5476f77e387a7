// The `mqboard` command line.
import { Command } from 'commander';
import { registerImageCommands } from './image-command.js';
import { registerSimCommands } from './sim-command.js';

const program = new Command();
program.name('mqboard').description('Manage MicroPython ESP32 boards over MQTT, and run virtual boards').version('0.1.0');
registerSimCommands(program);
registerImageCommands(program);

program.parseAsync(process.argv).catch((err: Error) => {
  console.error(`mqboard: ${err.message}`);
  process.exitCode = 1;
});
