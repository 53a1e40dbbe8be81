package io.scaleprotoseg.samples;

import io.scaleprotoseg.trainer.phase.Evaluator;
import io.scaleprotoseg.trainer.phase.Phase;
import io.scaleprotoseg.trainer.phase.TrainingListener;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;

/**
 * The training run as the user sees it on stderr: one progress bar per phase (task name = phase,
 * the loss terms and learning rate as its message, elapsed time and ETA), validation results and
 * the trainer's messages on lines of their own ({@link ProgressLines} draws them); and per phase
 * the time per update, for the closing summary.
 *
 * <p>Timing: an update's time is the wall time from the previous update (or the phase start) to
 * its end, so it includes batch preparation not hidden by the data workers, forward, backward and
 * the optimiser step, and the periodic checkpoint writes; updates preceded by a validation run or
 * a message are left out. CPU time is the whole process's (all threads: PyTorch's, the data
 * workers', the JVM's) over the same intervals.
 */
final class TrainingProgress implements TrainingListener, AutoCloseable {
    /** The timing of one phase. */
    record PhaseTiming(Phase phase, int updates, double seconds, int timedUpdates, double meanMs, double medianMs,
            double cpuMsPerUpdate) {
        String name() {
            return phaseName(phase);
        }
    }

    private final ProgressLines lines;

    private ProgressBar bar;
    private Phase current;
    private long phaseStart;
    private int phaseUpdates;
    private final List<Long> stepNanos = new ArrayList<>();
    private long stepCpuNanos;
    private long lastNanos;
    private long lastCpuNanos;
    private boolean interrupted;
    private final List<PhaseTiming> timings = new ArrayList<>();
    private final Map<Phase, Evaluator.Result> lastValidation = new EnumMap<>(Phase.class);

    TrainingProgress(ProgressLines lines) {
        this.lines = lines;
    }

    /** The phase's name as shown: lower case with dashes (warmup, joint, projection, finetune, ...). */
    static String phaseName(Phase p) {
        return p.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Override
    public void phaseStarted(Phase phase, int step, int total) {
        endPhase();
        current = phase;
        phaseStart = System.nanoTime();
        lastNanos = phaseStart;
        lastCpuNanos = cpuNanos();
        interrupted = false;
        phaseUpdates = 0;
        stepNanos.clear();
        stepCpuNanos = 0;
        bar = lines.start(phaseName(phase), total, step, null);
    }

    @Override
    public void stepFinished(Phase phase, int step, int total, Map<String, Double> values) {
        long now = System.nanoTime();
        long cpu = cpuNanos();
        if (!interrupted) {
            stepNanos.add(now - lastNanos);
            stepCpuNanos += cpu - lastCpuNanos;
        }
        lastNanos = now;
        lastCpuNanos = cpu;
        interrupted = false;
        phaseUpdates++;
        if (bar != null) {
            bar.setExtraMessage(lossMessage(values));
            bar.stepTo(step);
        }
    }

    @Override
    public void evaluated(Phase phase, int step, Evaluator.Result r) {
        interrupted = true;
        lastValidation.put(phase, r);
        String where = phase == Phase.DONE ? "final" : phaseName(phase) + (phaseUpdates > 0 || step > 0 ? " " + step : "");
        lines.line(String.format(Locale.ROOT, "%s: validation mIoU %.4f, pixel accuracy %.4f (%d images)", where,
                r.meanIou(), r.pixelAccuracy(), r.images()));
    }

    @Override
    public void message(String text) {
        interrupted = true;
        lines.line(text);
    }

    /** The last validation of a phase, or null. */
    Evaluator.Result lastValidation(Phase phase) {
        return lastValidation.get(phase);
    }

    /** The per-phase timings so far (a phase counts once it has ended). */
    List<PhaseTiming> timings() {
        return List.copyOf(timings);
    }

    @Override
    public void close() {
        endPhase();
    }

    /** "ce 0.5123  div 0.0312  lr 2.50e-03" from the trainer's values. */
    static String lossMessage(Map<String, Double> values) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, Double> e : values.entrySet()) {
            if (b.length() > 0) {
                b.append("  ");
            }
            double v = e.getValue() == null ? Double.NaN : e.getValue();
            b.append(e.getKey()).append(' ').append(e.getKey().startsWith("lr")
                    ? String.format(Locale.ROOT, "%.2e", v) : String.format(Locale.ROOT, "%.4f", v));
        }
        return b.toString();
    }

    private void endPhase() {
        if (bar != null) {
            if (phaseUpdates == 0) {
                // a phase without updates (projection, pruning, thresholding): done when the next one starts
                bar.stepTo(bar.getMax());
            }
            lines.finish(bar);
            bar = null;
        }
        if (current != null) {
            double seconds = (System.nanoTime() - phaseStart) / 1e9;
            long[] sorted = stepNanos.stream().mapToLong(Long::longValue).sorted().toArray();
            double mean = sorted.length == 0 ? Double.NaN : Arrays.stream(sorted).average().orElse(0) / 1e6;
            double median = sorted.length == 0 ? Double.NaN : (sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2.0) / 1e6;
            double cpu = sorted.length == 0 || cpuNanos() < 0 ? Double.NaN : stepCpuNanos / 1e6 / sorted.length;
            timings.add(new PhaseTiming(current, phaseUpdates, seconds, sorted.length, mean, median, cpu));
            current = null;
        }
    }

    /** CPU time of the whole process in ns, or -1 where the JVM does not tell. */
    static long cpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }
}
