/**
 * One progress line on stderr while the benchmark runs: rewritten in place on a terminal,
 * printed every few seconds otherwise.
 */
export class Progress {
  private text = '';
  private shown = '';
  private readonly timer: NodeJS.Timeout;
  private readonly tty = process.stderr.isTTY === true;

  constructor() {
    this.timer = setInterval(() => this.draw(), this.tty ? 500 : 5000);
    this.timer.unref();
  }

  /** What is happening now; `detail()` is read at every redraw. */
  set(text: string, detail: () => string = () => ''): void {
    this.text = text;
    this.detail = detail;
    this.draw();
  }

  private detail: () => string = () => '';

  private draw(): void {
    const line = `${this.text} ${this.detail()}`.trim();
    if (line === this.shown) return;
    this.shown = line;
    if (this.tty)
      process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns || 120) - 1)}`);
    else process.stderr.write(`${line}\n`);
  }

  /** Prints a line that stays (a finished measurement). */
  log(line: string): void {
    if (this.tty) process.stderr.write(`\r\x1b[2K${line}\n`);
    else process.stderr.write(`${line}\n`);
    this.shown = '';
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.tty) process.stderr.write('\r\x1b[2K');
  }
}
