package io.scaleprotoseg.trainer.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A full scan of a data set: every image and label of every split decoded and mapped as training
 * would, every problem counted by kind instead of stopping at the first (the readers stop at the
 * first bad pixel, which may come hours into a run). Behind {@code scaleprotoseg data check}.
 *
 * <p>Training would fail when the train or val split cannot be opened or has any anomaly; the test
 * split is optional (many releases have no test labels) and its problems are reported only.
 */
public final class DatasetCheck {
    /** Messages kept per kind of anomaly. */
    public static final int FIRST_FILES = 3;

    /** Called once per sample scanned, from the scanning thread. */
    public interface Progress {
        void sampleDone();
    }

    /**
     * Problems of one kind.
     *
     * @param kind one of {@link DatasetException}'s kinds
     * @param count files with this problem
     * @param first the first {@link #FIRST_FILES} messages (file, pixel, cause)
     */
    public record Anomaly(String kind, int count, List<String> first) { }

    /**
     * One split.
     *
     * @param split train, val or test
     * @param name the reader's name (e.g. "voc/train_aug")
     * @param openError why the split could not be opened, or null
     * @param images images found: the samples listed, and images skipped for want of a label
     * @param labelled samples with a label file, the image/label pairs (the others are unlabelled
     *     test images)
     * @param scannedOk samples that decoded and mapped without problem
     * @param classPixels pixels per class id over the samples that decoded
     * @param voidPixels void pixels over the samples that decoded
     * @param anomalies problems by kind, in the order first seen
     */
    public record SplitReport(String split, String name, String openError, int images, int labelled, int scannedOk,
            List<Long> classPixels, long voidPixels, List<Anomaly> anomalies) {
        /** Whether this split has a problem that stops training (train and val only). */
        public boolean failsTraining() {
            return !split.equals(Split.TEST.id()) && (openError != null || !anomalies.isEmpty());
        }
    }

    /**
     * The whole scan.
     *
     * @param format the format read (detected or given)
     * @param root the data root
     * @param classes class names, by id
     * @param ignoreLabel the void label
     * @param splits one report per split, train, val, test
     * @param unusedLabels label files in the label folders that no split reads (informational:
     *     releases ship labels for other splits or other tasks), counted
     * @param unusedLabelExamples the first of them
     */
    public record Report(String format, String root, List<String> classes, int ignoreLabel, List<SplitReport> splits,
            int unusedLabels, List<String> unusedLabelExamples) {
        /** Whether training on this data would fail (a train or val problem). */
        public boolean failsTraining() {
            return splits.stream().anyMatch(SplitReport::failsTraining);
        }
    }

    private DatasetCheck() {
    }

    /**
     * The samples of each split, opened with unpaired files collected; a split that cannot be
     * opened maps to its error message.
     */
    public record Opened(Map<Split, SegmentationDataset> datasets, Map<Split, String> errors,
            Map<Split, List<String>> unpaired) {
        /** Samples to scan over all splits. */
        public int samples() {
            return datasets.values().stream().mapToInt(SegmentationDataset::size).sum();
        }
    }

    /** Opens every split (see {@link Datasets#open(String, Path, Split, Map)} for the arguments). */
    public static Opened open(String format, Path root, Map<String, String> options) {
        Map<Split, SegmentationDataset> datasets = new LinkedHashMap<>();
        Map<Split, String> errors = new LinkedHashMap<>();
        Map<Split, List<String>> unpaired = new LinkedHashMap<>();
        for (Split split : Split.values()) {
            List<String> collected = new ArrayList<>();
            try {
                datasets.put(split, FileDataset.collectUnpaired(collected, () -> Datasets.open(format, root, split, options)));
            } catch (DatasetException e) {
                errors.put(split, e.getMessage());
            }
            unpaired.put(split, collected);
        }
        return new Opened(datasets, errors, unpaired);
    }

    /**
     * Scans every sample of the opened splits.
     *
     * @param format the format name to report
     * @param progress told after each sample
     */
    public static Report scan(String format, Path root, Opened opened, Progress progress) {
        LabelSpace labels = null;
        List<SplitReport> reports = new ArrayList<>();
        Set<Path> usedLabels = new HashSet<>();
        Map<Path, Set<String>> labelSuffixes = new LinkedHashMap<>();
        for (Split split : Split.values()) {
            SegmentationDataset ds = opened.datasets().get(split);
            Map<String, List<String>> anomalies = new LinkedHashMap<>();
            for (String u : opened.unpaired().getOrDefault(split, List.of())) {
                anomalies.computeIfAbsent(DatasetException.UNPAIRED, k -> new ArrayList<>()).add(u);
            }
            if (ds == null) {
                reports.add(new SplitReport(split.id(), null, opened.errors().get(split), 0, 0, 0, List.of(), 0,
                        summarise(anomalies)));
                continue;
            }
            labels = labels == null ? ds.labels() : labels;
            long[] pixels = new long[ds.labels().numClasses()];
            long voidPixels = 0;
            int labelled = 0;
            int ok = 0;
            for (int i = 0; i < ds.size(); i++) {
                Path labelFile = labelFile(ds, i);
                if (labelFile != null) {
                    labelled++;
                    usedLabels.add(labelFile.toAbsolutePath().normalize());
                    remember(labelSuffixes, labelFile, ds, i);
                }
                try {
                    Sample s = ds.get(i);
                    if (labelFile != null || !(ds instanceof FileDataset)) {
                        for (int v : s.labels()) {
                            if (v >= 0 && v < pixels.length) {
                                pixels[v]++;
                            } else {
                                voidPixels++;
                            }
                        }
                    }
                    ok++;
                } catch (DatasetException e) {
                    anomalies.computeIfAbsent(e.anomaly(), k -> new ArrayList<>()).add(e.getMessage());
                }
                progress.sampleDone();
            }
            if (!(ds instanceof FileDataset) && split != Split.TEST) {
                labelled = ds.size();
            }
            List<Long> classPixels = new ArrayList<>();
            for (long p : pixels) {
                classPixels.add(p);
            }
            // images the reader skipped for want of a label count as images of the split
            int unpairedImages = (int) opened.unpaired().getOrDefault(split, List.of()).stream()
                    .filter(m -> m.startsWith("image ")).count();
            reports.add(new SplitReport(split.id(), ds.name(), null, ds.size() + unpairedImages, labelled, ok, classPixels,
                    voidPixels, summarise(anomalies)));
        }
        List<String> unused = unusedLabels(labelSuffixes, usedLabels);
        List<String> names = new ArrayList<>();
        if (labels != null) {
            labels.classes().forEach(c -> names.add(c.name()));
        }
        return new Report(format, root == null ? null : root.toAbsolutePath().normalize().toString(), names,
                labels == null ? -1 : labels.ignoreLabel(), reports, unused.size(),
                unused.subList(0, Math.min(FIRST_FILES, unused.size())));
    }

    private static List<Anomaly> summarise(Map<String, List<String>> anomalies) {
        List<Anomaly> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : anomalies.entrySet()) {
            List<String> m = e.getValue();
            out.add(new Anomaly(e.getKey(), m.size(), List.copyOf(m.subList(0, Math.min(FIRST_FILES, m.size())))));
        }
        return out;
    }

    private static Path labelFile(SegmentationDataset ds, int i) {
        return ds instanceof FileDataset f ? f.entry(i).label() : null;
    }

    /** The label folder and the part of the file name after the sample id ("_gtFine_labelIds.png", ".png"). */
    private static void remember(Map<Path, Set<String>> suffixes, Path label, SegmentationDataset ds, int i) {
        String name = label.getFileName().toString();
        String id = ((FileDataset) ds).entry(i).id();
        if (name.startsWith(id)) {
            Path dir = label.toAbsolutePath().normalize().getParent();
            suffixes.computeIfAbsent(dir, k -> new TreeSet<>()).add(name.substring(id.length()));
        }
    }

    /** Files in the label folders, named like the labels read, that no split read. */
    private static List<String> unusedLabels(Map<Path, Set<String>> suffixes, Set<Path> used) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<Path, Set<String>> e : suffixes.entrySet()) {
            try (Stream<Path> files = Files.list(e.getKey())) {
                files.filter(Files::isRegularFile).sorted().forEach(f -> {
                    String n = f.getFileName().toString();
                    if (e.getValue().stream().anyMatch(n::endsWith) && !used.contains(f.toAbsolutePath().normalize())) {
                        out.add(f.toString());
                    }
                });
            } catch (IOException ex) {
                out.add(e.getKey() + " (cannot list: " + ex.getMessage() + ")");
            }
        }
        return out;
    }
}
