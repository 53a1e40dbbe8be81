package io.scaleprotoseg.samples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.scaleprotoseg.trainer.data.DatasetCheck;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code data check}: decodes and maps every image and label of every split as training would,
 * and reports images per split, pairs, unpaired and unused files, per-class pixel shares and every
 * problem by kind with the first files; exit code 1 when training would fail.
 */
@Command(name = "check", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Scans every image and label of every split (train, val, test) in full, as training reads them, and "
                + "prints the images per split, the image/label pairs found, unpaired files, label files no split "
                + "reads, each class's share of the labelled pixels, and every problem by kind with its count and "
                + "the first files. Training stops at the first bad pixel, possibly hours into a run; this finds "
                + "them all first.",
            ""
        },
        footer = {
            "",
            "Exit code 0 when training can read every train and val file, 1 when it would fail (a split that "
                + "cannot be opened, an unreadable file, a label value outside the data set's table, ...). A missing "
                + "or broken test split is reported but is no failure: many releases have no test labels.",
            "",
            "Examples:",
            "  scaleprotoseg data check --data /data/cityscapes",
            "  scaleprotoseg data check --data /data/VOCdevkit --json > voc-check.json"
        })
final class DataCheckCommand extends CommandBase {
    @Mixin
    DataOptions data;

    @Option(names = "--json", description = "print the report as JSON on stdout instead of text")
    boolean json;

    @Override
    int execute() throws Exception {
        String format = data.resolvedFormat();
        DatasetCheck.Opened opened = DatasetCheck.open(data.data == null && data.format == null ? "scenes" : data.format,
                data.data, data.parsedOptions());
        ProgressLines lines = new ProgressLines(err(), ProgressLines.interactive());
        ProgressBar bar = lines.start("data check", opened.samples(), 0, " images");
        DatasetCheck.Report report;
        try {
            report = DatasetCheck.scan(format, data.data, opened, bar::step);
        } finally {
            lines.finish(bar);
        }
        if (json) {
            out().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
        } else {
            print(out(), report, data.describe());
        }
        return report.failsTraining() ? USER_ERROR : 0;
    }

    static void print(PrintWriter o, DatasetCheck.Report r, String described) {
        o.println("data:      " + described + ", format " + r.format());
        o.printf(Locale.ROOT, "  %-6s %-24s %8s %8s %8s %9s%n", "split", "read as", "images", "pairs", "ok", "problems");
        for (DatasetCheck.SplitReport s : r.splits()) {
            if (s.openError() != null) {
                o.printf(Locale.ROOT, "  %-6s %s%n", s.split(), (s.split().equals("test") ? "not available: " : "cannot open: ")
                        + s.openError());
                continue;
            }
            int problems = s.anomalies().stream().mapToInt(DatasetCheck.Anomaly::count).sum();
            o.printf(Locale.ROOT, "  %-6s %-24s %8d %8d %8d %9d%n", s.split(), s.name(), s.images(), s.labelled(),
                    s.scannedOk(), problems);
        }
        List<DatasetCheck.SplitReport> counted = r.splits().stream().filter(s -> s.openError() == null && s.labelled() > 0)
                .toList();
        if (!counted.isEmpty() && !r.classes().isEmpty()) {
            o.println("classes (share of the labelled pixels of each split; void " + r.ignoreLabel() + " excluded):");
            StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "  %4s  %-24s", "id", "class"));
            counted.forEach(s -> head.append(String.format(Locale.ROOT, " %9s", s.split())));
            o.println(head);
            for (int k = 0; k < r.classes().size(); k++) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "  %4d  %-24s", k, r.classes().get(k)));
                for (DatasetCheck.SplitReport s : counted) {
                    long total = s.classPixels().stream().mapToLong(Long::longValue).sum();
                    row.append(String.format(Locale.ROOT, " %8.3f%%", total == 0 ? 0.0 : 100.0 * s.classPixels().get(k) / total));
                }
                o.println(row);
            }
            for (DatasetCheck.SplitReport s : counted) {
                long labelled = s.classPixels().stream().mapToLong(Long::longValue).sum();
                o.printf(Locale.ROOT, "  %s: %.1f%% of the pixels labelled%n", s.split(),
                        labelled + s.voidPixels() == 0 ? 0.0 : 100.0 * labelled / (labelled + s.voidPixels()));
                List<String> absent = new ArrayList<>();
                for (int k = 0; k < r.classes().size(); k++) {
                    if (s.classPixels().get(k) == 0) {
                        absent.add(r.classes().get(k));
                    }
                }
                if (!absent.isEmpty() && !s.split().equals("test")) {
                    o.println("  note: " + absent.size() + " class(es) have no pixel in " + s.split() + ": "
                            + String.join(", ", absent.subList(0, Math.min(10, absent.size())))
                            + (absent.size() > 10 ? ", ..." : ""));
                }
            }
        }
        if (r.unusedLabels() > 0) {
            o.println("label files no split reads: " + r.unusedLabels() + " (first: " + String.join(", ", r.unusedLabelExamples())
                    + ")");
        }
        boolean any = false;
        for (DatasetCheck.SplitReport s : r.splits()) {
            for (DatasetCheck.Anomaly a : s.anomalies()) {
                if (!any) {
                    o.println("problems:");
                    any = true;
                }
                o.println("  " + s.split() + ": " + a.kind() + ": " + a.count() + " file(s)");
                for (String m : a.first()) {
                    o.println("    " + m);
                }
                if (a.count() > a.first().size()) {
                    o.println("    ... and " + (a.count() - a.first().size()) + " more");
                }
            }
        }
        o.println(r.failsTraining() ? "verdict:   training would fail: fix the problems above (train and val must open and "
                + "read without a problem)" : "verdict:   ok: training reads every train and val file"
                + (r.splits().stream().anyMatch(s -> s.split().equals("test") && (s.openError() != null
                        || !s.anomalies().isEmpty())) ? " (the test split has problems or is missing: see above)" : ""));
    }
}
