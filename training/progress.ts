import cliProgress from 'cli-progress';

/**
 * A progress bar on stderr for anything longer than a few seconds; silent when stderr is not a TTY
 * (CI logs, pipes) except for a line at the end.
 */
export class Progress {
  private bar: cliProgress.SingleBar | null = null;
  private readonly start = Date.now();
  constructor(
    private readonly label: string,
    total: number,
  ) {
    if (process.stderr.isTTY) {
      this.bar = new cliProgress.SingleBar({ format: `${label} [{bar}] {value}/{total} {info} eta {eta}s`, stream: process.stderr, hideCursor: true }, cliProgress.Presets.shades_classic);
      this.bar.start(total, 0, { info: '' });
    }
  }
  update(value: number, info = ''): void {
    this.bar?.update(value, { info });
  }
  done(info = ''): void {
    this.bar?.stop();
    process.stderr.write(`${this.label}: done in ${((Date.now() - this.start) / 1000).toFixed(1)}s${info ? ` (${info})` : ''}\n`);
  }
}
