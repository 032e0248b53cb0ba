/** One physical line of the input. */
export interface PhysicalLine {
  /** 1-based line number. */
  line: number;
  /** The text without its line break. */
  text: string;
  /** The line break that ended it: `\r\n`, `\n`, or '' at the end of the input. */
  eol: string;
  /** Set when the line was longer than the limit and was dropped; `text` then holds its start only. */
  overlong?: true;
}

/**
 * Cuts decoded text into physical lines across chunk boundaries (a CRLF split
 * between two chunks stays one line break). Line numbers come from here, so they are
 * exact even for a CRLF inside quotes. A line longer than `maxChars` is dropped up to
 * its line break and reported once, so a file without line breaks cannot fill memory.
 */
export class LineSplitter {
  private rest = '';
  private lineNo = 0;
  private skipping = false;

  constructor(private readonly maxChars: number) {}

  push(text: string, out: PhysicalLine[]): void {
    let start = 0;
    if (this.skipping) {
      const nl = text.indexOf('\n');
      if (nl === -1) return;
      this.skipping = false;
      start = nl + 1;
    } else if (this.rest !== '') {
      text = this.rest + text;
      this.rest = '';
    }
    for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
      const cr = nl > start && text.charCodeAt(nl - 1) === 13;
      out.push({ line: ++this.lineNo, text: text.slice(start, cr ? nl - 1 : nl), eol: cr ? '\r\n' : '\n' });
      start = nl + 1;
    }
    const rest = text.slice(start);
    if (rest.length > this.maxChars) {
      out.push({ line: ++this.lineNo, text: rest.slice(0, 200), eol: '\n', overlong: true });
      this.skipping = true;
    } else {
      this.rest = rest;
    }
  }

  end(out: PhysicalLine[]): void {
    if (this.rest !== '') out.push({ line: ++this.lineNo, text: this.rest, eol: '' });
    this.rest = '';
  }
}
