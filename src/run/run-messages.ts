/**
 * What a run says to the administrator besides its rows (a header's problems, a
 * resume, a back-end skipped, why it could not run): written at once to the
 * command line's stream with the command's prefix, and kept, so that a page or a
 * daemon shows the same words without reading a terminal's text back.
 */
export class RunMessages {
  readonly list: string[] = [];

  constructor(private readonly stream: NodeJS.WritableStream | undefined, private readonly prefix: string) {}

  say(text: string): void {
    this.list.push(text);
    this.stream?.write(`${this.prefix}${text}\n`);
  }
}
