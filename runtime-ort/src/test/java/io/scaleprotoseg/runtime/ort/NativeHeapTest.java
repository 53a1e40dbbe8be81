package io.scaleprotoseg.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.scaleprotoseg.sdk.Backend;
import io.scaleprotoseg.sdk.Evidence;
import io.scaleprotoseg.sdk.ModelKind;
import io.scaleprotoseg.sdk.Segmenter;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The heap trim after a session is built: found through JavaCPP (a test dependency here, as in the
 * command line's distribution), callable, and switched by {@code ort.trim_heap}. Its effect on
 * resident memory is measured in bench ({@code SegmentMemoryRunner}), not asserted.
 */
class NativeHeapTest {
    @TempDir
    Path dir;

    @Test
    void trimReachesMallocTrimThroughJavaCpp() {
        assertTrue(NativeHeap.available(), "JavaCPP is on the test class path, so the trim must be found");
        boolean linuxX64 = System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")
                && System.getProperty("os.arch").matches("amd64|x86_64");
        assumeTrue(linuxX64, "the test class path carries JavaCPP's native library for linux-x86_64 only");
        assertTrue(NativeHeap.trim(), "malloc_trim through JavaCPP");
        assertTrue(NativeHeap.trim(), "and again: it holds no state");
    }

    @Test
    void theOptionTakesZeroOrOne() throws Exception {
        Path model = TestModels.write(TestModels.model(ModelKind.SCALEPROTOSEG, 5), dir, "m");
        for (String v : new String[] {"0", "1"}) {
            try (Segmenter s = Segmenter.builder().model(model).backend(Backend.ORT_CPU).evidence(Evidence.GROUPS)
                    .option("ort.trim_heap", v).build()) {
                assertEquals(49 * 37, s.segment(TestModels.image(49, 37, 1), 49, 37).mask().length);
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Segmenter.builder().model(model)
                .backend(Backend.ORT_CPU).evidence(Evidence.GROUPS).option("ort.trim_heap", "yes").build());
        assertTrue(e.getMessage().contains("ort.trim_heap") && e.getMessage().contains("0 or 1"), e.getMessage());
    }
}
