import cliProgress from 'cli-progress';
import type { FitProgress } from '../src/routers/Router.js';

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
      this.bar = new cliProgress.SingleBar(
        { format: `${label} [{bar}] {value}/{total} {info} eta {eta}s`, stream: process.stderr, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
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

/** One epoch report of a router or ranker fit, tagged with the pipeline stage it came from. */
export type EpochInfo = FitProgress & { stage: string };

/**
 * A progress bar over training epochs (stage 'fit'), created on the first epoch report, showing loss,
 * validation loss and the validation metric. Shared by router and ranker training commands.
 */
export function fitProgress(label: string, metricName = 'val metric'): { onProgress: (p: EpochInfo) => void; done: () => void } {
  let bar: Progress | null = null;
  return {
    onProgress: (p) => {
      if (p.stage !== 'fit' || !p.epochs || p.epochs <= 1) return;
      bar ??= new Progress(label, p.epochs);
      bar.update(
        p.epoch,
        [
          p.loss !== undefined ? `loss ${p.loss.toFixed(4)}` : '',
          p.valLoss !== undefined ? `val ${p.valLoss.toFixed(4)}` : '',
          p.metric !== undefined && Number.isFinite(p.metric) ? `${metricName} ${p.metric.toFixed(3)}` : '',
          p.message ?? '',
        ]
          .filter(Boolean)
          .join(' '),
      );
    },
    done: () => bar?.done(),
  };
}
