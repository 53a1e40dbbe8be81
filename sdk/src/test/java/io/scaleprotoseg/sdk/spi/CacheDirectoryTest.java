package io.scaleprotoseg.sdk.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Caches are trusted state: created private, refused when others can write to them. */
class CacheDirectoryTest {
    @TempDir
    Path dir;

    @Test
    void aNewCacheIsCreatedPrivateAndASharedOneIsRefused() throws IOException {
        assumeTrue(Files.getFileAttributeView(dir, PosixFileAttributeView.class) != null, "needs POSIX permissions");
        Path fresh = dir.resolve("a/b/cache");
        assertNull(CacheDirectory.prepare(fresh, "test cache", false));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)));
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        IOException e = assertThrows(IOException.class, () -> CacheDirectory.prepare(shared, "test cache", false));
        assertTrue(e.getMessage().contains("test cache " + shared + " is not private: other users can write to it "
                + "(permissions rwxrwxrwx)"), e.getMessage());
        assertTrue(e.getMessage().contains("cache.allow_shared=true"), e.getMessage());
        assertTrue(CacheDirectory.prepare(shared, "test cache", true).startsWith("other users can write to it"));
        Path file = Files.writeString(dir.resolve("file"), "x");
        e = assertThrows(IOException.class, () -> CacheDirectory.prepare(file, "test cache", false));
        assertTrue(e.getMessage().contains("is not a directory"), e.getMessage());
    }
}
