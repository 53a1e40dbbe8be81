package io.scaleprotoseg.trainer.model;

import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Raises the minimum level of PyTorch's own C++ log (c10's {@code FLAGS_caffe2_log_level}) from
 * WARNING to ERROR, so that the process's stderr is not flooded.
 *
 * <p><b>Why.</b> On CPUs NNPACK does not support (this project's AMD EPYC machines among them),
 * PyTorch 2.7 asks NNPACK for every small convolution it does not give to oneDNN (batch 1, 1x1 or
 * 3x3 kernels, few elements) and logs "Could not initialize NNPACK! Reason: Unsupported hardware."
 * each time: the built-in demo printed 63,504 such lines. The convolution itself then runs on
 * PyTorch's native kernels, correctly; the message carries no information. Python users silence it
 * with {@code TORCH_CPP_LOG_LEVEL}, which only PyTorch's Python module reads, so here the flag is set
 * in the loaded library. {@code -Dscaleprotoseg.torch.warnings=true} keeps PyTorch's warnings.
 * Errors are still logged. Best effort: when the flag cannot be found nothing changes. Thread-safe.
 */
public final class TorchLogLevel {
    /** The system property that keeps PyTorch's C++ warnings. */
    public static final String PROPERTY = "scaleprotoseg.torch.warnings";
    private static final int ERROR = 2;
    private static final Logger LOG = LoggerFactory.getLogger(TorchLogLevel.class);
    private static boolean done;

    private TorchLogLevel() {
    }

    /** Applies once per process; call after PyTorch's engine has loaded. */
    public static synchronized void quietWarnings() {
        if (done) {
            return;
        }
        done = true;
        if (Boolean.getBoolean(PROPERTY)) {
            return;
        }
        try {
            Path c10 = Path.of(ai.djl.pytorch.jni.LibUtils.getLibtorchPath()).resolve(System.mapLibraryName("c10"));
            if (!Files.isRegularFile(c10)) {
                return;
            }
            Pointer flag = NativeLibrary.getInstance(c10.toString()).getGlobalVariableAddress("FLAGS_caffe2_log_level");
            if (flag.getInt(0) < ERROR) {
                flag.setInt(0, ERROR);
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("PyTorch's C++ log level stays as it is: {}", e.toString());
        }
    }
}
