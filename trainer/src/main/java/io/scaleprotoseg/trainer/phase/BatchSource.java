package io.scaleprotoseg.trainer.phase;

import io.scaleprotoseg.trainer.data.Augmentation;
import io.scaleprotoseg.trainer.data.DatasetException;
import io.scaleprotoseg.trainer.data.Sample;
import io.scaleprotoseg.trainer.data.SegmentationDataset;
import io.scaleprotoseg.trainer.random.SeedStreams;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Augmented training batches as a pure function of (seed, sample number): sample number n of the
 * run is image {@code perm_e[n mod N]} of epoch {@code e = n / N} (a permutation drawn from the seed
 * and the epoch), augmented with a random stream keyed by the seed and n ({@link SeedStreams}). A resumed run
 * therefore sees exactly the batches an uninterrupted one would, with no random state to save.
 * Decoding and augmentation run on a small pool of worker threads. Thread-safe.
 */
public final class BatchSource {
    private final SegmentationDataset data;
    private final Augmentation augmentation;
    private final long seed;
    private final ExecutorService workers;
    private int cachedEpoch = -1;
    private int[] cachedPermutation;
    /** Samples asked for by {@link #prefetch} and not yet taken, by run sample number. */
    private final Map<Long, Future<Sample>> pending = new HashMap<>();

    public BatchSource(SegmentationDataset data, Augmentation augmentation, long seed, ExecutorService workers) {
        if (data.size() == 0) {
            throw new IllegalArgumentException("training split " + data.name() + " is empty");
        }
        this.data = data;
        this.augmentation = augmentation;
        this.seed = seed;
        this.workers = workers;
    }

    /** One batch: images [B, 3, crop, crop] and labels [B, crop, crop], flat. */
    public record Batch(int size, int width, int height, float[] pixels, int[] labels, String[] ids) {
    }

    /** The batch whose first sample is run sample number {@code first}. */
    public Batch batch(long first, int size) throws DatasetException {
        List<Future<Sample>> futures = new ArrayList<>();
        synchronized (pending) {
            for (int i = 0; i < size; i++) {
                Future<Sample> f = pending.remove(first + i);
                futures.add(f != null ? f : submit(first + i));
            }
            // samples prefetched for a batch that was not asked for (a phase ended) are dropped
            pending.keySet().removeIf(n -> n < first);
        }
        List<Sample> samples = new ArrayList<>();
        try {
            for (Future<Sample> f : futures) {
                samples.add(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatasetException("interrupted while loading a batch", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DatasetException de) {
                throw de;
            }
            throw new DatasetException("loading a batch failed: " + e.getCause(), e.getCause());
        }
        int w = samples.get(0).width();
        int h = samples.get(0).height();
        float[] pixels = new float[size * 3 * w * h];
        int[] labels = new int[size * w * h];
        String[] ids = new String[size];
        for (int i = 0; i < size; i++) {
            Sample s = samples.get(i);
            System.arraycopy(s.image(), 0, pixels, i * 3 * w * h, 3 * w * h);
            System.arraycopy(s.labels(), 0, labels, i * w * h, w * h);
            ids[i] = s.id();
        }
        return new Batch(size, w, h, pixels, labels, ids);
    }

    /**
     * Starts augmenting the batch whose first sample is {@code first} on the worker threads, so that
     * a later {@link #batch} of it does not wait; the result is the same either way.
     */
    public void prefetch(long first, int size) {
        synchronized (pending) {
            for (int i = 0; i < size; i++) {
                pending.computeIfAbsent(first + i, this::submit);
            }
        }
    }

    private Future<Sample> submit(long n) {
        int index = imageOf(n);
        return workers.submit(() -> augmentation.apply(data.get(index), stream(n)));
    }

    /** The data-set index of run sample number {@code n}. */
    synchronized int imageOf(long n) {
        int size = data.size();
        int epoch = (int) (n / size);
        if (epoch != cachedEpoch) {
            cachedPermutation = permutation(size, SeedStreams.stream(seed, "epoch-order", epoch));
            cachedEpoch = epoch;
        }
        return cachedPermutation[(int) (n % size)];
    }

    private SplittableRandom stream(long n) {
        return SeedStreams.stream(seed, "augmentation", n);
    }

    private static int[] permutation(int n, SplittableRandom r) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
