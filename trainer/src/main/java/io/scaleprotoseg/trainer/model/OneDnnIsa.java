package io.scaleprotoseg.trainer.model;

import com.sun.jna.NativeLibrary;
import io.scaleprotoseg.graph.network.BackboneOp;
import io.scaleprotoseg.graph.network.NetworkConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps PyTorch's CPU convolutions reproducible for networks with narrow layers, by capping the
 * instruction set of oneDNN (the library PyTorch runs CPU convolutions with) at AVX2 before its
 * first convolution.
 *
 * <p><b>Why.</b> On AVX-512 CPUs, oneDNN's convolutions over layers narrower than its 16-channel
 * blocks (the CPU presets' backbone has 8-channel layers) now and then return wrong gradients:
 * measured here (AMD EPYC, PyTorch 2.7.1, oneDNN 3.7.1, one thread) with the same input and
 * weights every time, 13 to 22 of 1,500 backward passes of the scenes backbone gave NaN, with or
 * without garbage collection; with two threads, 197 of 199 gave gradients that differed from the
 * first. Capped at AVX2: 0 of 1,500, and 0 of 199 with two threads. In training this made two runs
 * of the same seed differ (NaN gradients, and silently different ones). Layers of 16 channels or
 * more showed no such failure, and there AVX-512 is much faster (ResNet-18 at full width: 15.7 s
 * against 26.3 s for 30 updates), so the cap applies only to networks with a narrow layer.
 *
 * <p><b>Scope.</b> oneDNN reads {@code ONEDNN_MAX_CPU_ISA} once, at its first use, so the first
 * network a process builds decides for the whole process. A value set in the environment by the
 * user is never changed; {@code -Dscaleprotoseg.onednn.isa=VALUE} sets one explicitly (any oneDNN
 * value, e.g. {@code AVX2}, or {@code DEFAULT} to leave oneDNN's choice). Setting the variable
 * needs the C library's {@code setenv} (Linux, macOS); elsewhere nothing is changed. Thread-safe.
 */
public final class OneDnnIsa {
    /** The environment variable oneDNN reads. */
    public static final String ENV = "ONEDNN_MAX_CPU_ISA";
    /** The system property that overrides the decision. */
    public static final String PROPERTY = "scaleprotoseg.onednn.isa";
    /** Narrowest layer oneDNN's AVX-512 kernels handle reproducibly (their channel block). */
    static final int MIN_CHANNELS = 16;

    private static final Logger LOG = LoggerFactory.getLogger(OneDnnIsa.class);
    private static String decision;

    private OneDnnIsa() {
    }

    /**
     * Applies the rule for the first network of the process; later calls return the first
     * decision. Returns what oneDNN will use: the cap set, the user's value, or "DEFAULT".
     */
    public static synchronized String configureFor(NetworkConfig network) {
        if (decision != null) {
            return decision;
        }
        String user = System.getenv(ENV);
        String property = System.getProperty(PROPERTY);
        if (user != null) {
            decision = user;
        } else if (property != null) {
            decision = property.equalsIgnoreCase("DEFAULT") ? "DEFAULT" : set(property);
        } else if (hasNarrowLayer(network)) {
            decision = set("AVX2");
        } else {
            decision = "DEFAULT";
        }
        return decision;
    }

    /** Whether a backbone convolution has fewer than {@link #MIN_CHANNELS} channels (the RGB input aside). */
    static boolean hasNarrowLayer(NetworkConfig network) {
        for (BackboneOp.Conv c : BackboneOp.convs(network.backbone())) {
            if (c.out() < MIN_CHANNELS || (c.in() != 3 && c.in() < MIN_CHANNELS)) {
                return true;
            }
        }
        return false;
    }

    private static String set(String value) {
        try {
            int rc = NativeLibrary.getInstance("c").getFunction("setenv").invokeInt(new Object[] {ENV, value, 0});
            if (rc == 0) {
                LOG.debug("oneDNN capped at {} for reproducible convolutions of narrow layers", value);
                return value;
            }
            LOG.warn("could not set {}={} (setenv returned {}); CPU convolutions of narrow layers may not be reproducible",
                    ENV, value, rc);
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("could not set {}={} ({}); CPU convolutions of narrow layers may not be reproducible", ENV, value,
                    e.toString());
        }
        return "DEFAULT";
    }
}
