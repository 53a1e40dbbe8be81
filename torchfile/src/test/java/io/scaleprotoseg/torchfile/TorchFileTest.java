package io.scaleprotoseg.torchfile;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.torchfile.TorchFileWriter.Call;
import io.scaleprotoseg.torchfile.TorchFileWriter.Obj;
import io.scaleprotoseg.torchfile.TorchFileWriter.StorageData;
import io.scaleprotoseg.torchfile.TorchFileWriter.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reader against files written by the project's own writer of PyTorch's formats. */
class TorchFileTest {
    @TempDir
    Path dir;

    private static float[] ramp(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = i * 0.5f - 3f;
        }
        return a;
    }

    private PyDict stateDict() {
        PyDict sd = TorchFileWriter.orderedDict();
        sd.put("conv.weight", Tensor.of("0", ramp(24), 2, 3, 2, 2));
        sd.put("bn.running_var", new Tensor(new StorageData("1", DType.FLOAT64, new double[] {1.5, 2.25, 1e-300}), 0,
                new long[] {3}, new long[] {1}, false));
        sd.put("bn.num_batches_tracked", new Tensor(new StorageData("2", DType.INT64, new long[] {160000L}), 0,
                new long[] {}, new long[] {}, false));
        // float16 1.0, -2.0, 65504, smallest subnormal; bfloat16 1.0 and -0.5
        sd.put("half", new Tensor(new StorageData("3", DType.FLOAT16, new short[] {0x3c00, (short) 0xc000, 0x7bff, 0x0001}),
                0, new long[] {4}, new long[] {1}, false));
        sd.put("bf16", new Tensor(new StorageData("4", DType.BFLOAT16, new short[] {0x3f80, (short) 0xbf00}), 0,
                new long[] {2}, new long[] {1}, false));
        sd.put("int32", new Tensor(new StorageData("5", DType.INT32, new int[] {-7, 9}), 0, new long[] {2}, new long[] {1}, false));
        sd.put("uint8", new Tensor(new StorageData("6", DType.UINT8, new byte[] {(byte) 255, 3}), 0, new long[] {2},
                new long[] {1}, false));
        sd.put("bool", new Tensor(new StorageData("7", DType.BOOL, new byte[] {1, 0, 1}), 0, new long[] {3}, new long[] {1}, false));
        sd.attributes().put("_metadata", Map.of("", Map.of("version", 1L)));
        return sd;
    }

    private void checkStateDict(Path file) throws IOException {
        try (TorchFile tf = TorchFile.open(file)) {
            PyDict sd = assertInstanceOf(PyDict.class, tf.root());
            assertEquals(List.of("conv.weight", "bn.running_var", "bn.num_batches_tracked", "half", "bf16", "int32", "uint8", "bool"),
                    List.copyOf(sd.keySet()), "entries keep their order");
            assertTrue(sd.attributes().containsKey("_metadata"));
            TorchTensor w = (TorchTensor) sd.get("conv.weight");
            assertArrayEquals(new long[] {2, 3, 2, 2}, w.shape());
            assertArrayEquals(ramp(24), w.floats());
            assertArrayEquals(new double[] {1.5, 2.25, 1e-300}, ((TorchTensor) sd.get("bn.running_var")).doubles());
            TorchTensor nbt = (TorchTensor) sd.get("bn.num_batches_tracked");
            assertEquals(0, nbt.rank());
            assertArrayEquals(new long[] {160000L}, nbt.longs());
            assertArrayEquals(new float[] {1f, -2f, 65504f, 0x1p-24f}, ((TorchTensor) sd.get("half")).floats());
            assertArrayEquals(new float[] {1f, -0.5f}, ((TorchTensor) sd.get("bf16")).floats());
            assertArrayEquals(new long[] {-7, 9}, ((TorchTensor) sd.get("int32")).longs());
            assertArrayEquals(new long[] {255, 3}, ((TorchTensor) sd.get("uint8")).longs());
            assertArrayEquals(new long[] {1, 0, 1}, ((TorchTensor) sd.get("bool")).longs());
            TorchFileException e = assertThrows(TorchFileException.class, () -> w.longs());
            assertTrue(e.getMessage().contains("float32, not an integer tensor"), e.getMessage());
        }
    }

    @Test
    void zipRoundTripKeepsEveryTypeAndTheOrder() throws IOException {
        Path f = dir.resolve("sd.pth");
        TorchFileWriter.writeZip(f, "some-run", stateDict());
        checkStateDict(f);
        try (TorchFile tf = TorchFile.open(f)) {
            assertEquals(TorchFile.Format.ZIP, tf.format());
            assertEquals("some-run/", tf.archivePrefix(), "any archive folder is accepted");
        }
    }

    @Test
    void legacyRoundTripKeepsEveryTypeAndTheOrder() throws IOException {
        Path f = dir.resolve("sd-legacy.pth");
        TorchFileWriter.writeLegacy(f, stateDict());
        checkStateDict(f);
        try (TorchFile tf = TorchFile.open(f)) {
            assertEquals(TorchFile.Format.LEGACY, tf.format());
        }
    }

    @Test
    void stridedViewsOfASharedStorageAreMaterialised() throws IOException {
        // one storage of 2x3 values [[0,1,2],[3,4,5]] seen as itself, as its transpose, as row 1,
        // as column 2 (offset 2, stride 3) and as a broadcast (stride 0)
        StorageData s = new StorageData("shared", DType.FLOAT32, new float[] {0, 1, 2, 3, 4, 5});
        PyDict sd = TorchFileWriter.orderedDict();
        sd.put("m", new Tensor(s, 0, new long[] {2, 3}, new long[] {3, 1}, false));
        sd.put("t", new Tensor(s, 0, new long[] {3, 2}, new long[] {1, 3}, true));
        sd.put("row1", new Tensor(s, 3, new long[] {3}, new long[] {1}, false));
        sd.put("col2", new Tensor(s, 2, new long[] {2}, new long[] {3}, false));
        sd.put("bcast", new Tensor(s, 4, new long[] {2, 2}, new long[] {0, 1}, false));
        for (boolean legacy : new boolean[] {false, true}) {
            Path f = dir.resolve(legacy ? "views-legacy.pth" : "views.pth");
            if (legacy) {
                TorchFileWriter.writeLegacy(f, sd);
            } else {
                TorchFileWriter.writeZip(f, "views", sd);
            }
            try (TorchFile tf = TorchFile.open(f)) {
                PyDict r = (PyDict) tf.root();
                assertEquals(1, tf.storageCount(), "one storage, read once");
                assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, ((TorchTensor) r.get("m")).floats());
                TorchTensor t = (TorchTensor) r.get("t");
                assertTrue(!t.isContiguous());
                assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, t.floats());
                assertArrayEquals(new float[] {3, 4, 5}, ((TorchTensor) r.get("row1")).floats());
                assertArrayEquals(new float[] {2, 5}, ((TorchTensor) r.get("col2")).floats());
                assertArrayEquals(new float[] {4, 5, 4, 5}, ((TorchTensor) r.get("bcast")).floats());
                assertEquals(((TorchTensor) r.get("m")).storageKey(), t.storageKey());
                float[] a = ((TorchTensor) r.get("m")).floats();
                a[0] = 99f;
                assertEquals(0f, ((TorchTensor) r.get("m")).floats()[0], "callers own the arrays they get");
            }
        }
    }

    @Test
    void moduleTreeFlattensParametersBuffersAttributesAndClasses() throws IOException {
        Map<String, Object> convState = new LinkedHashMap<>();
        convState.put("training", Boolean.TRUE);
        convState.put("_parameters", ordered("weight", new Tensor(new StorageData("w", DType.FLOAT32, ramp(8)), 0,
                new long[] {2, 1, 2, 2}, new long[] {4, 4, 2, 1}, true), "bias", null));
        convState.put("_buffers", ordered());
        convState.put("_modules", ordered());
        convState.put("dilation", TorchFileWriter.Tuple.of(6L, 6L));
        Map<String, Object> rootState = new LinkedHashMap<>();
        rootState.put("_parameters", ordered());
        rootState.put("_buffers", ordered("running", Tensor.of("r", new float[] {1, 2}, 2)));
        rootState.put("_modules", ordered("c0", new Obj("torch.nn.modules.conv.Conv2d", convState), "gone", null));
        rootState.put("identity", Tensor.of("id", new float[] {1, 0, 0, 1}, 2, 2));
        rootState.put("num_scales", 4L);
        rootState.put("_forward_hooks", ordered());
        Path f = dir.resolve("model.pth");
        TorchFileWriter.writeZip(f, "model", new Obj("my.pkg.Net", rootState));
        try (TorchFile tf = TorchFile.open(f)) {
            ModuleTree t = ModuleTree.of(tf.root(), "model.pth");
            assertEquals(Map.of("", "my.pkg.Net", "c0", "torch.nn.modules.conv.Conv2d"), t.classes());
            assertEquals(List.of("c0.weight"), List.copyOf(t.parameters().keySet()));
            assertEquals(List.of("running"), List.copyOf(t.buffers().keySet()));
            assertEquals(List.of("identity"), List.copyOf(t.tensorAttributes().keySet()));
            assertEquals(4L, t.attributes("").get("num_scales"));
            assertEquals(List.of(6L, 6L), t.attributes("c0").get("dilation"));
            assertTrue(!t.attributes("").containsKey("_forward_hooks"), "private attributes are not listed");
            assertArrayEquals(ramp(8), t.tensor("c0.weight").floats());
        }
    }

    private static PyDict ordered(Object... kv) {
        PyDict d = TorchFileWriter.orderedDict();
        for (int i = 0; i < kv.length; i += 2) {
            d.put(kv[i], kv[i + 1]);
        }
        return d;
    }

    @Test
    void aCallOutsideTheAllowListIsRefusedNamingItAndNothingRuns() throws IOException {
        PyDict sd = ordered("w", Tensor.of("0", ramp(4), 4), "hook",
                new Call("os", "system", List.of("touch " + dir.resolve("pwned"))));
        Path f = dir.resolve("hostile.pth");
        TorchFileWriter.writeZip(f, "hostile", sd);
        TorchFileException e = assertThrows(TorchFileException.class, () -> TorchFile.open(f));
        assertTrue(e.getMessage().contains("asks to call os.system (REDUCE), which is not on the allow-list"), e.getMessage());
        assertTrue(e.getMessage().contains("nothing in the file was run"), e.getMessage());
        assertTrue(!Files.exists(dir.resolve("pwned")));
        // a module class may be instantiated (as an inert record) but not called
        Path g = dir.resolve("call-module.pth");
        TorchFileWriter.writeLegacy(g, new Call("torch.nn.modules.conv", "Conv2d", List.of(3L, 8L, 3L)));
        e = assertThrows(TorchFileException.class, () -> TorchFile.open(g));
        assertTrue(e.getMessage().contains("asks to call torch.nn.modules.conv.Conv2d"), e.getMessage());
    }

    @Test
    void aTruncatedZipIsRefusedCleanly() throws IOException {
        Path f = dir.resolve("full.pth");
        TorchFileWriter.writeZip(f, "full", stateDict());
        byte[] all = Files.readAllBytes(f);
        Path half = dir.resolve("half.pth");
        Files.write(half, java.util.Arrays.copyOf(all, all.length / 2));
        TorchFileException e = assertThrows(TorchFileException.class, () -> TorchFile.open(half));
        assertTrue(e.getMessage().contains("damaged or truncated zip archive"), e.getMessage());
        assertTrue(e.getMessage().contains("half.pth"), e.getMessage());
    }

    @Test
    void aTruncatedLegacyFileIsRefusedNamingTheStorage() throws IOException {
        Path f = dir.resolve("full-legacy.pth");
        TorchFileWriter.writeLegacy(f, ordered("w", Tensor.of("0", ramp(1000), 1000)));
        byte[] all = Files.readAllBytes(f);
        Path cut = dir.resolve("cut.pth");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length - 100));
        TorchFileException e = assertThrows(TorchFileException.class, () -> TorchFile.open(cut));
        assertTrue(e.getMessage().contains("storage '0' claims 1000 elements"), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        Path inPickle = dir.resolve("cut-pickle.pth");
        Files.write(inPickle, java.util.Arrays.copyOf(all, 60));
        e = assertThrows(TorchFileException.class, () -> TorchFile.open(inPickle));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void aMissingStorageRecordIsNamed() throws IOException {
        Path f = dir.resolve("sd.pth");
        TorchFileWriter.writeZip(f, "sd", stateDict());
        Path g = dir.resolve("missing.pth");
        copyZipWithout(f, g, "sd/data/0");
        try (TorchFile tf = TorchFile.open(g)) {
            TorchTensor w = (TorchTensor) ((PyDict) tf.root()).get("conv.weight");
            TorchFileException e = assertThrows(TorchFileException.class, w::floats);
            assertTrue(e.getMessage().contains("lacks the record sd/data/0 of storage '0'"), e.getMessage());
        }
    }

    @Test
    void aViewBeyondItsStorageIsRefusedWhenRead() throws IOException {
        StorageData s = new StorageData("0", DType.FLOAT32, new float[6]);
        Path f = dir.resolve("long-view.pth");
        TorchFileWriter.writeZip(f, "v", ordered("w", new Tensor(s, 2, new long[] {5}, new long[] {1}, false)));
        TorchFileException e = assertThrows(TorchFileException.class, () -> TorchFile.open(f));
        assertTrue(e.getMessage().contains("reaches element 6 of storage '0', which holds only 6 elements"), e.getMessage());
    }

    @Test
    void anAbsurdElementCountIsRefusedBeforeAllocating() throws IOException {
        // the pickle declares 2^40 float32 elements; the record holds 16 bytes
        Path f = dir.resolve("absurd.pth");
        TorchFileWriter.writeZip(f, "a", ordered("w", Tensor.of("0", new float[4], 4)));
        Path g = dir.resolve("absurd2.pth");
        rewriteZip(f, g, "a/data.pkl", pkl -> patchNumel(pkl, 4, 1L << 40));
        TorchFileException e = assertThrows(TorchFileException.class, () -> {
            try (TorchFile tf = TorchFile.open(g)) {
                ((TorchTensor) ((PyDict) tf.root()).get("w")).floats();
            }
        });
        assertTrue(e.getMessage().contains("holds 16 bytes but its storage declares 1099511627776 float32 elements"),
                e.getMessage());
        // the same in the legacy format: the header before the bytes
        Path l = dir.resolve("absurd-legacy.pth");
        TorchFileWriter.writeLegacy(l, ordered("w", Tensor.of("0", new float[4], 4)));
        byte[] all = Files.readAllBytes(l);
        int at = all.length - 16 - 8;
        java.nio.ByteBuffer.wrap(all, at, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
        Files.write(l, all);
        e = assertThrows(TorchFileException.class, () -> TorchFile.open(l));
        assertTrue(e.getMessage().contains("claims 1099511627776 elements"), e.getMessage());
        // and a string length in the pickle itself
        Path p = dir.resolve("absurd-string.pth");
        Files.write(p, new byte[] {(byte) 0x80, 2, 'X', (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, '.'});
        e = assertThrows(TorchFileException.class, () -> TorchFile.open(p));
        assertTrue(e.getMessage().contains("claims a value of 2147483647 bytes"), e.getMessage());
    }

    @Test
    void notAPyTorchFileIsNamed() throws IOException {
        Path f = dir.resolve("image.png");
        Files.write(f, new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        TorchFileException e = assertThrows(TorchFileException.class, () -> TorchFile.open(f));
        assertTrue(e.getMessage().contains("image.png is not a PyTorch file"), e.getMessage());
        e = assertThrows(TorchFileException.class, () -> TorchFile.open(dir.resolve("nope.pth")));
        assertTrue(e.getMessage().contains("nope.pth does not exist"), e.getMessage());
    }

    /** Replaces the int64 numel of the first storage persistent id (BININT {@code old}) by {@code value} (LONG1). */
    private static byte[] patchNumel(byte[] pkl, int old, long value) {
        byte[] cpu = "cpu".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = 0; i + 3 + 5 < pkl.length; i++) {
            if (pkl[i] == cpu[0] && pkl[i + 1] == cpu[1] && pkl[i + 2] == cpu[2] && pkl[i + 3] == 'J' && pkl[i + 4] == old) {
                java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
                o.write(pkl, 0, i + 3);
                o.write(0x8a);
                o.write(8);
                o.writeBytes(java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(value).array());
                o.write(pkl, i + 8, pkl.length - i - 8);
                return o.toByteArray();
            }
        }
        throw new AssertionError("no storage id found");
    }

    private static void copyZipWithout(Path from, Path to, String drop) throws IOException {
        rewriteZip(from, to, drop, null);
    }

    private static void rewriteZip(Path from, Path to, String name, java.util.function.UnaryOperator<byte[]> change)
            throws IOException {
        try (ZipFile in = new ZipFile(from.toFile()); OutputStream os = Files.newOutputStream(to);
                ZipOutputStream out = new ZipOutputStream(os)) {
            Enumeration<? extends ZipEntry> en = in.entries();
            while (en.hasMoreElements()) {
                ZipEntry e = en.nextElement();
                byte[] data;
                try (InputStream is = in.getInputStream(e)) {
                    data = is.readAllBytes();
                }
                if (e.getName().equals(name)) {
                    if (change == null) {
                        continue;
                    }
                    data = change.apply(data);
                }
                out.putNextEntry(new ZipEntry(e.getName()));
                out.write(data);
                out.closeEntry();
            }
        }
    }
}
