package io.scaleprotoseg.trainer.data;

import java.util.List;

/**
 * A split of a labelled segmentation data set. Samples are decoded on demand by {@link #get}, so a
 * data set of any size costs little memory; implementations must allow concurrent {@code get}
 * calls (data loading runs on worker threads).
 *
 * <p>Readers are opened through {@link Datasets}; each reader class documents the layout it reads.
 */
public interface SegmentationDataset {
    /** A short name for logs and provenance (e.g. "cityscapes/train"). */
    String name();

    /** The classes and void label. */
    LabelSpace labels();

    /** Number of samples. */
    int size();

    /**
     * Decodes sample {@code index}.
     *
     * @throws DatasetException naming the file when it is unreadable, when image and label differ
     *     in size, or when a label value is neither a class id nor the ignore label
     */
    Sample get(int index) throws DatasetException;

    /**
     * The part table, ids 1..P in order, when samples carry part labels ({@link Sample#parts()} not
     * null); empty otherwise. A data set may carry part labels without naming them (a folder without
     * parts.txt): then this is empty although samples have parts.
     */
    default List<PartInfo> parts() {
        return List.of();
    }
}
