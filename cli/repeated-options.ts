/**
 * An option that takes one value, given twice (`--instance 12 --instance 13`), is refused
 * rather than silently resolved to the last one: the user meant one of them, and we cannot know
 * which.
 */
import type { Command } from 'commander';
import { EXIT } from './context.ts';

/**
 * Watches every value-taking option of `command` and its subcommands, except variadic ones and
 * those with their own parser (which collect repeats: `discover --instance 1 --instance 2`).
 */
export function refuseRepeatedOptions(command: Command): void {
  const given = new Map<string, string>();
  for (const option of command.options) {
    if (!(option.required || option.optional) || option.variadic || option.parseArg) continue;
    command.on(`option:${option.name()}`, (value: string) => {
      const flag = option.long ?? option.short ?? option.name();
      const earlier = given.get(flag);
      if (earlier !== undefined) {
        command.error(`error: ${flag} given twice ("${earlier}", then "${value}"): give it once`, {
          exitCode: EXIT.badInput,
          code: 'ncp.repeatedOption',
        });
      }
      given.set(flag, value);
    });
  }
  for (const sub of command.commands) refuseRepeatedOptions(sub);
}
