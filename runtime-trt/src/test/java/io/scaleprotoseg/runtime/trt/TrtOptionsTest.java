package io.scaleprotoseg.runtime.trt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.runtime.trt.ShapeProfile.Shape;
import io.scaleprotoseg.sdk.spi.ModelOutput;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Options and the optimisation profile derived from them; bad options name the option. */
class TrtOptionsTest {
    private static TrtOptions parse(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return TrtOptions.parse(m, null);
    }

    private static void assertBad(String expectedInMessage, String... kv) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(kv));
        assertTrue(e.getMessage().contains(expectedInMessage), "'" + expectedInMessage + "' in: " + e.getMessage());
    }

    @Test
    void defaults() {
        TrtOptions o = TrtOptions.defaults();
        assertEquals(Precision.FP32, o.precision());
        assertEquals(ShapeProfile.DEFAULT, o.profile());
        assertEquals("min 1x3x32x32, opt 1x3x513x513, max 1x3x2048x2048", o.profile().describe());
        assertEquals(0, o.workspaceBytes());
        assertNull(o.cacheDir());
        assertNull(o.timingCacheFile("gpu"), "no cache directory, no timing cache");
        assertEquals(0, o.device());
        assertEquals(TrtOptions.DEFAULT_CONTEXTS, o.contexts());
        assertNull(o.outputs(), "every output");
        assertEquals(-1, o.builderOptimizationLevel());
    }

    @Test
    void everyOptionIsRead() {
        TrtOptions o = parse("trt.precision", "FP16", "trt.min_shape", "1x3x64x64", "trt.opt_shape", "2x3x512x1024",
                "trt.max_shape", "4 x 3 x 1024 x 2048", "trt.workspace_mb", "2048", "trt.cache_dir", "/tmp/engines",
                "trt.device", "1", "trt.contexts", "3", "trt.outputs", "logits, mask", "trt.builder_optimization_level", "2",
                "ort.log_level", "ERROR");
        assertEquals(Precision.FP16, o.precision());
        assertEquals(new Shape(1, 64, 64), o.profile().min());
        assertEquals(new Shape(2, 512, 1024), o.profile().opt());
        assertEquals(new Shape(4, 1024, 2048), o.profile().max());
        assertEquals(2048L << 20, o.workspaceBytes());
        assertEquals(Path.of("/tmp/engines"), o.cacheDir());
        assertEquals(Path.of("/tmp/engines/timing-tag.cache"), o.timingCacheFile("tag"));
        assertEquals(1, o.device());
        assertEquals(3, o.contexts());
        assertEquals(EnumSet.of(ModelOutput.MASK, ModelOutput.LOGITS), o.outputs());
        assertEquals(2, o.builderOptimizationLevel());
        assertEquals("fp16, profile min 1x3x64x64, opt 2x3x512x1024, max 4x3x1024x2048, workspace 2048 MB, "
                + "builder optimisation level 2, outputs mask,logits", o.summary());
    }

    @Test
    void cacheDirectoryFallsBackToTheBuildersAndTheTimingCacheCanBeSetOrSwitchedOff() {
        Path builderCache = Path.of("/var/cache/sps");
        TrtOptions o = TrtOptions.parse(Map.of(), builderCache);
        assertEquals(builderCache, o.cacheDir());
        assertEquals(builderCache.resolve("timing-x.cache"), o.timingCacheFile("x"));
        assertEquals(Path.of("/other"), TrtOptions.parse(Map.of("trt.cache_dir", "/other"), builderCache).cacheDir());
        assertEquals(Path.of("/t.cache"), TrtOptions.parse(Map.of("trt.timing_cache", "/t.cache"), null).timingCacheFile("x"));
        TrtOptions off = TrtOptions.parse(Map.of("trt.timing_cache", "NONE"), builderCache);
        assertFalse(off.timingCacheEnabled());
        assertNull(off.timingCacheFile("x"));
    }

    @Test
    void profileDerivedFromPartialOptions() {
        // only the maximum: min and opt shrink into it
        ShapeProfile small = parse("trt.max_shape", "2x3x256x384").profile();
        assertEquals("min 1x3x32x32, opt 1x3x256x384, max 2x3x256x384", small.describe());
        // only the maximum, larger than the default opt: opt stays the default
        assertEquals("min 1x3x32x32, opt 1x3x513x513, max 4x3x1024x2048",
                parse("trt.max_shape", "4x3x1024x2048").profile().describe());
        // only opt, beyond the default max: max grows to cover it
        assertEquals("min 1x3x32x32, opt 2x3x4096x1024, max 2x3x4096x2048",
                parse("trt.opt_shape", "2x3x4096x1024").profile().describe());
        // only min, above the default opt: opt follows min
        assertEquals("min 1x3x1000x600, opt 1x3x1000x600, max 1x3x2048x2048",
                parse("trt.min_shape", "1x3x1000x600").profile().describe());
        // a maximum below the default minimum pulls min down too
        assertEquals("min 1x3x16x24, opt 1x3x16x24, max 1x3x16x24", parse("trt.max_shape", "1x3x16x24").profile().describe());
        assertTrue(small.admits(256, 384) && small.admits(32, 32));
        assertFalse(small.admits(257, 384));
        assertFalse(small.admits(31, 100));
    }

    @Test
    void badProfilesNameTheOption() {
        assertBad("option trt.max_shape='1x3x512' is not a shape; write NxCxHxW", "trt.max_shape", "1x3x512");
        assertBad("option trt.opt_shape='1x3xabcx512': 'abc' is not a whole number", "trt.opt_shape", "1x3xabcx512");
        assertBad("option trt.min_shape='1x4x64x64': the channel dimension must be 3", "trt.min_shape", "1x4x64x64");
        assertBad("option trt.max_shape='0x3x64x64': the batch must be 1..64", "trt.max_shape", "0x3x64x64");
        assertBad("option trt.max_shape='1x3x4x64': the height must be 8..8192", "trt.max_shape", "1x3x4x64");
        assertBad("option trt.max_shape='1x3x64x9000': the width must be 8..8192", "trt.max_shape", "1x3x64x9000");
        assertBad("option trt.min_shape='2x3x64x64': the smallest batch must be 1", "trt.min_shape", "2x3x64x64");
        assertBad("option trt.max_shape=16x3x4096x4096 needs an input buffer of 3072 MB", "trt.max_shape", "16x3x4096x4096");
        assertBad("option trt.min_shape=1x3x512x512 exceeds option trt.max_shape=1x3x256x256",
                "trt.min_shape", "1x3x512x512", "trt.max_shape", "1x3x256x256");
        assertBad("option trt.opt_shape=1x3x600x600 must lie between option trt.min_shape=1x3x32x32 and "
                + "option trt.max_shape=1x3x512x512", "trt.opt_shape", "1x3x600x600", "trt.max_shape", "1x3x512x512");
        assertBad("option trt.opt_shape=2x3x64x64 must lie between", "trt.opt_shape", "2x3x64x64", "trt.max_shape",
                "1x3x512x512");
    }

    @Test
    void otherBadOptionsNameTheOption() {
        assertBad("unknown TensorRT option trt.presicion; the TensorRT backend reads trt.precision", "trt.presicion", "fp16");
        assertBad("option trt.precision='int8' is not a precision; use fp32 or fp16", "trt.precision", "int8");
        assertBad("option trt.workspace_mb='1G' is not a whole number", "trt.workspace_mb", "1G");
        assertBad("option trt.workspace_mb=0 is out of range", "trt.workspace_mb", "0");
        assertBad("option trt.contexts=0 is out of range 1..64", "trt.contexts", "0");
        assertBad("option trt.device=-1 is out of range", "trt.device", "-1");
        assertBad("option trt.builder_optimization_level=6 is out of range 0..5", "trt.builder_optimization_level", "6");
        assertBad("option trt.outputs='mask,heat': 'heat' is not a model output", "trt.outputs", "mask,heat");
        assertBad("option trt.outputs='mask' must include logits", "trt.outputs", "mask");
        assertBad("option trt.cache_dir is empty", "trt.cache_dir", " ");
    }

    @Test
    void precisionSpellings() {
        assertEquals(Precision.FP16, Precision.parse(" fp16 ", "--precision"));
        assertEquals("fp32", Precision.FP32.id());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Precision.parse("half", "--precision"));
        assertEquals("--precision='half' is not a precision; use fp32 or fp16", e.getMessage());
    }

    @Test
    void shapeText() {
        Shape s = Shape.parse("2,3,480,640", "x");
        assertEquals("2x3x480x640", s.text());
        assertEquals(4, s.dims().length);
        assertEquals(640L, s.dims()[3]);
    }
}
