package io.scaleprotoseg.trainer.data;

import java.util.List;

/**
 * A data set that hands every call to another one; subclasses override what they change (a
 * limit, a progress count). Thread-safe when the wrapped data set is.
 */
public abstract class ForwardingDataset implements SegmentationDataset {
    private final SegmentationDataset delegate;

    protected ForwardingDataset(SegmentationDataset delegate) {
        this.delegate = delegate;
    }

    /** The wrapped data set. */
    protected SegmentationDataset delegate() {
        return delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public LabelSpace labels() {
        return delegate.labels();
    }

    @Override
    public int size() {
        return delegate.size();
    }

    @Override
    public Sample get(int index) throws DatasetException {
        return delegate.get(index);
    }

    @Override
    public List<PartInfo> parts() {
        return delegate.parts();
    }
}
