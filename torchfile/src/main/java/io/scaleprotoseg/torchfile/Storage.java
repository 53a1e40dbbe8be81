package io.scaleprotoseg.torchfile;

/**
 * One PyTorch storage of a file: its key, element type and element count as the pickle declares
 * them. Its bytes are read when a tensor needs them; a storage shared by several tensors is read
 * once and kept, one used by a single tensor is handed over without a copy. A legacy-format
 * storage may be a view into another one ({@link #base()}).
 */
final class Storage {
    /** Reads a storage's elements into a primitive array of its type. */
    interface Source {
        Object read(Storage storage) throws TorchFileException;
    }

    private final String key;
    private final DType dtype;
    private final long numel;
    private final Source source;
    private final Storage base;
    private final long baseOffset;
    private int views;
    private Object cached;

    Storage(String key, DType dtype, long numel, Source source) {
        this(key, dtype, numel, source, null, 0);
    }

    Storage(String key, DType dtype, long numel, Source source, Storage base, long baseOffset) {
        this.key = key;
        this.dtype = dtype;
        this.numel = numel;
        this.source = source;
        this.base = base;
        this.baseOffset = baseOffset;
    }

    String key() {
        return key;
    }

    DType dtype() {
        return dtype;
    }

    long numel() {
        return numel;
    }

    /** The storage whose bytes this one shares (legacy views), or null. */
    Storage base() {
        return base;
    }

    /** Element offset of this storage in its base. */
    long baseOffset() {
        return baseOffset;
    }

    void addView() {
        views++;
        if (base != null) {
            base.addView();
        }
    }

    /** The elements of the root storage (as a primitive array); {@code whole} when the caller takes all of it. */
    Object data(boolean whole) throws TorchFileException {
        if (base != null) {
            return base.data(false);
        }
        if (cached != null) {
            return cached;
        }
        Object a = source.read(this);
        if (views > 1 || !whole) {
            cached = a;
        }
        return a;
    }

    /** Whether a view of {@code count} elements from element {@code offset} is the whole storage. */
    boolean isWhole(long offset, long count) {
        return base == null && offset == 0 && count == numel && views <= 1;
    }

    void release() {
        cached = null;
    }
}
