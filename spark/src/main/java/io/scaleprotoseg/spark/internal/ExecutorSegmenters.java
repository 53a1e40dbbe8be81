package io.scaleprotoseg.spark.internal;

import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.InputSizing;
import io.scaleprotoseg.sdk.ScaleProtoSegException;
import io.scaleprotoseg.sdk.Segmenter;
import io.scaleprotoseg.spark.SparkJobOptions;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The segmenters of one executor JVM: one per model (by SHA-256) and settings, opened lazily by the
 * first task that needs it, shared by every later task of every job in this JVM (a segmenter is
 * thread-safe, and opening one costs a model load), and closed when the JVM shuts down.
 *
 * <p>Thread-safe: tasks of one executor run in parallel threads.
 */
public final class ExecutorSegmenters {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorSegmenters.class);
    private static final Map<String, Segmenter> OPEN = new HashMap<>();
    private static boolean hookInstalled;

    private ExecutorSegmenters() {
    }

    /**
     * The segmenter of this JVM for the shipped model at evidence level {@code evidence}, opened on
     * first use.
     *
     * @throws ScaleProtoSegException when the model is missing on this executor, differs from the
     *     driver's, or cannot be opened
     */
    public static synchronized Segmenter get(ModelShipment model, Evidence evidence) throws ScaleProtoSegException {
        SparkJobOptions o = model.options();
        String key = model.sha256() + "|" + evidence + "|" + o.sizing() + "|" + o.maxPixels() + "|" + o.intraOpThreads() + "|"
                + o.backend();
        Segmenter s = OPEN.get(key);
        if (s == null) {
            long t0 = System.nanoTime();
            s = Segmenter.builder().model(model.localCopy()).evidence(evidence).backend(o.backend())
                    .inputSizing(InputSizing.parse(o.sizing())).maxPixels(o.maxPixels()).intraOpThreads(o.intraOpThreads())
                    .build();
            OPEN.put(key, s);
            LOG.info("opened {} ({}) on {} in {} ms", model.driverPath(), model.sha256().substring(0, 12),
                    s.backendInfo().backend().cliName(), (System.nanoTime() - t0) / 1_000_000);
            if (!hookInstalled) {
                Runtime.getRuntime().addShutdownHook(new Thread(ExecutorSegmenters::closeAll, "scaleprotoseg-segmenters-close"));
                hookInstalled = true;
            }
        }
        return s;
    }

    /** How many segmenters this JVM holds open. */
    public static synchronized int openCount() {
        return OPEN.size();
    }

    /** Closes every segmenter of this JVM (the shutdown hook; tests). Later calls of {@link #get} open new ones. */
    public static synchronized void closeAll() {
        for (Segmenter s : OPEN.values()) {
            s.close();
        }
        OPEN.clear();
    }
}
