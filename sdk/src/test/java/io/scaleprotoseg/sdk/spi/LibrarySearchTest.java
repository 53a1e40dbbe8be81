package io.scaleprotoseg.sdk.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The diagnosis of missing CUDA libraries searches where the Linux loader searches. */
class LibrarySearchTest {
    @TempDir
    Path dir;

    @Test
    void findsLibrariesInLdLibraryPathAndLdSoConfIncludes() throws Exception {
        Path a = Files.createDirectories(dir.resolve("a"));
        Path b = Files.createDirectories(dir.resolve("b"));
        Path c = Files.createDirectories(dir.resolve("c"));
        Files.createFile(a.resolve("libcudart.so.12"));
        Files.createFile(b.resolve("libcudnn.so.9"));
        Files.createFile(c.resolve("libcublas.so.12"));
        Path confDir = Files.createDirectories(dir.resolve("ld.so.conf.d"));
        Files.writeString(confDir.resolve("cuda.conf"), "# cuDNN\n" + b + "\n");
        Files.writeString(confDir.resolve("other.txt"), c + "\n");
        Path conf = dir.resolve("ld.so.conf");
        Files.writeString(conf, "include " + confDir + "/*.conf\n");

        List<Path> dirs = LibrarySearch.searchDirs(a + "::" + dir.resolve("missing"), conf);
        assertEquals(a, dirs.get(0), "LD_LIBRARY_PATH first");
        assertTrue(dirs.contains(b), "directories of included .conf files");
        assertTrue(!dirs.contains(c), "files the include pattern does not match are not read");
        assertEquals(List.of("libcuda.so.1", "libcublas.so.12", "libcublasLt.so.12", "libcufft.so.11"),
                LibrarySearch.missing(dirs, List.of("libcuda.so.1", "libcudart.so.12", "libcublas.so.12", "libcublasLt.so.12", "libcufft.so.11", "libcudnn.so.9")));
    }
}
