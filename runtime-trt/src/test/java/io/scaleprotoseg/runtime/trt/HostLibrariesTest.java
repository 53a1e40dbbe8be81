package io.scaleprotoseg.runtime.trt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The library search that lets the diagnosis name every missing library, not only the loader's first. */
class HostLibrariesTest {
    @TempDir
    Path dir;

    @Test
    void searchesLdLibraryPathLdSoConfAndTheBridgesInstallLocations() throws Exception {
        Path a = Files.createDirectories(dir.resolve("a"));
        Path b = Files.createDirectories(dir.resolve("b"));
        Files.createFile(a.resolve("libcuda.so.1"));
        Files.createFile(b.resolve("libnvinfer.so.10"));
        Path confDir = Files.createDirectories(dir.resolve("ld.so.conf.d"));
        Files.writeString(confDir.resolve("trt.conf"), "# TensorRT\n" + b + "\n");
        Path conf = dir.resolve("ld.so.conf");
        Files.writeString(conf, "include " + confDir + "/*.conf\n");
        List<Path> dirs = HostLibraries.searchDirs(a.toString(), conf);
        assertEquals(a, dirs.get(0), "LD_LIBRARY_PATH first");
        assertTrue(dirs.contains(b), "directories of included .conf files");
        assertTrue(dirs.contains(Path.of("/usr/local/TensorRT-10.15.1.29/lib")), "the RUNPATH of the TensorRT bridge");
        assertTrue(dirs.contains(Path.of("/usr/local/cuda-13.1/lib64")), "the RUNPATH of the CUDA bridge");
        assertEquals(List.of("libnvinfer_plugin.so.10", "libnvonnxparser.so.10"),
                HostLibraries.missing(List.of(a, b), HostLibraries.TENSORRT));
        assertEquals(List.of(), HostLibraries.missing(List.of(a, b), HostLibraries.DRIVER));
    }

    @Test
    void aRedistJarOnTheClassPathCountsAsPresent() throws Exception {
        Path root = dir.resolve("jar");
        Path libs = Files.createDirectories(root.resolve("org/bytedeco/tensorrt/linux-x86_64"));
        Files.createFile(libs.resolve("libnvinfer.so.10"));
        try (URLClassLoader cl = new URLClassLoader(new URL[] {root.toUri().toURL()}, null)) {
            assertTrue(HostLibraries.inRedistJar(cl, "tensorrt", "libnvinfer.so.10"));
            assertFalse(HostLibraries.inRedistJar(cl, "tensorrt", "libnvonnxparser.so.10"));
            assertFalse(HostLibraries.inRedistJar(cl, "cuda", "libnvinfer.so.10"));
            assertFalse(HostLibraries.missingOnThisHost(cl).contains("libnvinfer.so.10"));
        }
    }
}
