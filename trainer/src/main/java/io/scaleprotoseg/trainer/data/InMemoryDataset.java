package io.scaleprotoseg.trainer.data;

import java.util.ArrayList;
import java.util.List;

/**
 * Samples held in memory: for small data sets that are read many times (a few hundred scenes), and
 * for tests. {@link #get} returns a copy, so callers may modify what they get. Thread-safe.
 */
public final class InMemoryDataset implements SegmentationDataset {
    private final String name;
    private final LabelSpace labels;
    private final List<PartInfo> parts;
    private final List<Sample> samples;

    public InMemoryDataset(String name, LabelSpace labels, List<PartInfo> parts, List<Sample> samples) {
        this.name = name;
        this.labels = labels;
        this.parts = List.copyOf(parts);
        List<Sample> copies = new ArrayList<>(samples.size());
        for (Sample s : samples) {
            copies.add(copy(s));
        }
        this.samples = List.copyOf(copies);
    }

    /**
     * Decodes every sample of {@code source} once.
     *
     * @throws DatasetException from the source, naming the file at fault
     */
    public static InMemoryDataset load(SegmentationDataset source) throws DatasetException {
        List<Sample> all = new ArrayList<>(source.size());
        for (int i = 0; i < source.size(); i++) {
            all.add(source.get(i));
        }
        return new InMemoryDataset(source.name(), source.labels(), source.parts(), all);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public LabelSpace labels() {
        return labels;
    }

    @Override
    public int size() {
        return samples.size();
    }

    @Override
    public Sample get(int index) {
        return copy(samples.get(index));
    }

    @Override
    public List<PartInfo> parts() {
        return parts;
    }

    static Sample copy(Sample s) {
        return new Sample(s.id(), s.width(), s.height(), s.image().clone(), s.labels().clone(),
                s.parts() == null ? null : s.parts().clone());
    }
}
