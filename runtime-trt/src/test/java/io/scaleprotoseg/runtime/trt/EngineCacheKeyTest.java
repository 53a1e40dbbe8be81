package io.scaleprotoseg.runtime.trt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cache-key derivation: what the key holds, that each part matters, and the digest against a second computation. */
class EngineCacheKeyTest {
    @TempDir
    Path dir;

    static final String SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    static EngineCacheKey key() {
        return new EngineCacheKey(SHA, "NVIDIA A10G", "8.6", "10.15.1.29", Precision.FP16,
                TrtOptions.parse(Map.of("trt.max_shape", "4x3x1024x2048"), null).profile(), "all", 0, -1);
    }

    @Test
    void modelHashIsTheFilesSha256() throws Exception {
        Path f = dir.resolve("m.onnx");
        Files.writeString(f, "test");
        // SHA-256("test"), a published test vector
        assertEquals(SHA, EngineCacheKey.sha256(f));
        assertEquals(SHA, EngineCacheKey.sha256Hex("test".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void fieldsInOrder() {
        assertEquals(List.of("key.layout", "model.sha256", "gpu.name", "gpu.compute_capability", "tensorrt.version",
                "precision", "profile.min", "profile.opt", "profile.max", "outputs", "workspace.bytes",
                "builder.optimization_level"), List.copyOf(key().fields().keySet()));
        Map<String, String> f = key().fields();
        assertEquals("NVIDIA A10G", f.get("gpu.name"));
        assertEquals("8.6", f.get("gpu.compute_capability"));
        assertEquals("10.15.1.29", f.get("tensorrt.version"));
        assertEquals("fp16", f.get("precision"));
        assertEquals("1x3x32x32", f.get("profile.min"));
        assertEquals("1x3x513x513", f.get("profile.opt"));
        assertEquals("4x3x1024x2048", f.get("profile.max"));
    }

    @Test
    void digestMatchesAnIndependentComputation() throws Exception {
        String canonical = "key.layout=1\nmodel.sha256=" + SHA + "\ngpu.name=NVIDIA A10G\ngpu.compute_capability=8.6\n"
                + "tensorrt.version=10.15.1.29\nprecision=fp16\nprofile.min=1x3x32x32\nprofile.opt=1x3x513x513\n"
                + "profile.max=4x3x1024x2048\noutputs=all\nworkspace.bytes=0\nbuilder.optimization_level=-1\n";
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(canonical.getBytes(StandardCharsets.UTF_8)));
        assertEquals(expected, key().digest());
        assertEquals("9f86d081884c7d65-fp16-" + expected.substring(0, 20) + ".engine", key().fileName());
    }

    @Test
    void everyPartChangesTheKey() {
        EngineCacheKey k = key();
        ShapeProfile other = TrtOptions.parse(Map.of("trt.max_shape", "4x3x1024x1024"), null).profile();
        List<EngineCacheKey> variants = List.of(
                new EngineCacheKey(SHA.replace('9', '8'), k.gpuName(), k.computeCapability(), k.tensorRtVersion(),
                        k.precision(), k.profile(), k.outputs(), 0, -1),
                new EngineCacheKey(SHA, "NVIDIA L4", k.computeCapability(), k.tensorRtVersion(), k.precision(), k.profile(),
                        k.outputs(), 0, -1),
                new EngineCacheKey(SHA, k.gpuName(), "8.9", k.tensorRtVersion(), k.precision(), k.profile(), k.outputs(), 0, -1),
                new EngineCacheKey(SHA, k.gpuName(), k.computeCapability(), "10.15.1.30", k.precision(), k.profile(),
                        k.outputs(), 0, -1),
                new EngineCacheKey(SHA, k.gpuName(), k.computeCapability(), k.tensorRtVersion(), Precision.FP32, k.profile(),
                        k.outputs(), 0, -1),
                new EngineCacheKey(SHA, k.gpuName(), k.computeCapability(), k.tensorRtVersion(), k.precision(), other,
                        k.outputs(), 0, -1),
                new EngineCacheKey(SHA, k.gpuName(), k.computeCapability(), k.tensorRtVersion(), k.precision(), k.profile(),
                        "mask,logits", 0, -1),
                new EngineCacheKey(SHA, k.gpuName(), k.computeCapability(), k.tensorRtVersion(), k.precision(), k.profile(),
                        k.outputs(), 1L << 30, -1),
                new EngineCacheKey(SHA, k.gpuName(), k.computeCapability(), k.tensorRtVersion(), k.precision(), k.profile(),
                        k.outputs(), 0, 3));
        Set<String> names = new HashSet<>();
        names.add(k.fileName());
        for (EngineCacheKey v : variants) {
            assertNotEquals(k.digest(), v.digest(), v.toString());
            assertTrue(names.add(v.fileName()), "distinct file name for " + v);
            assertEquals(1, k.differences(v.fields()).size(), "exactly one field differs: " + k.differences(v.fields()));
        }
        assertEquals(key(), key());
        assertEquals(key().digest(), key().digest());
    }

    @Test
    void differencesNameTheField() {
        EngineCacheKey k = key();
        Map<String, String> other = new LinkedHashMap<>(k.fields());
        other.put("gpu.name", "Tesla T4");
        other.remove("tensorrt.version");
        assertEquals(List.of("gpu.name 'Tesla T4' (this host needs 'NVIDIA A10G')",
                "tensorrt.version '(missing)' (this host needs '10.15.1.29')"), k.differences(other));
    }

    @Test
    void gpuTagIsFileNameSafe() {
        assertEquals("nvidia-geforce-rtx-4090-sm89-trt10.15.1.29",
                EngineCacheKey.gpuTag("NVIDIA GeForce RTX 4090", "8.9", "10.15.1.29"));
        assertEquals("gpu-sm75-trt10.15.1.29", EngineCacheKey.gpuTag("  ", "7.5", "10.15.1.29"));
        assertEquals("nvidia-a10g-sm86-trt10.15.1.29", key().gpuTag());
    }

    @Test
    void malformedModelHashIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new EngineCacheKey("abc", "g", "8.6", "10", Precision.FP32,
                ShapeProfile.DEFAULT, "all", 0, -1));
    }
}
