package io.scaleprotoseg.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.sdk.BackendUnavailableException;
import io.scaleprotoseg.sdk.ErrorCode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Telling ONNX Runtime's builds apart on a class path, from stand-in jars that hold the entries the
 * real ones are recognised by (the API class and Maven's metadata).
 */
class OrtBuildsTest {
    @TempDir
    Path dir;

    private Path fakeJar(String name, String artifactId) throws IOException {
        Path jar = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out)) {
            j.putNextEntry(new JarEntry("ai/onnxruntime/OrtEnvironment.class"));
            j.write(new byte[] {(byte) 0xCA, (byte) 0xFE});
            j.closeEntry();
            if (artifactId != null) {
                j.putNextEntry(new JarEntry("META-INF/maven/com.microsoft.onnxruntime/" + artifactId + "/pom.xml"));
                j.write("<project/>".getBytes(StandardCharsets.UTF_8));
                j.closeEntry();
            }
        }
        return jar;
    }

    private static OrtBuilds scan(Path... jars) throws IOException {
        URL[] urls = new URL[jars.length];
        for (int i = 0; i < jars.length; i++) {
            urls[i] = jars[i].toUri().toURL();
        }
        try (URLClassLoader loader = new URLClassLoader(urls, null)) {
            return OrtBuilds.scan(loader);
        }
    }

    @Test
    void thisModulesClassPathHoldsTheCpuBuildOnly() throws Exception {
        OrtBuilds b = OrtBuilds.scan(OrtBuildsTest.class.getClassLoader());
        assertEquals(OrtBuilds.Build.CPU, b.build(), "scaleprotoseg-runtime-ort depends on " + OrtBuilds.CPU_ARTIFACT);
        assertTrue(b.location().endsWith(".jar") && b.location().contains("onnxruntime-"), b.location());
        assertDoesNotThrow(b::requireSingle);
    }

    @Test
    void eachBuildAloneIsRecognisedByItsMetadata() throws Exception {
        assertEquals(OrtBuilds.Build.CPU, scan(fakeJar("onnxruntime-1.23.2.jar", "onnxruntime")).build());
        assertEquals(OrtBuilds.Build.GPU, scan(fakeJar("onnxruntime_gpu-1.23.2.jar", "onnxruntime_gpu")).build());
        assertEquals(OrtBuilds.Build.UNKNOWN, scan(fakeJar("repackaged.jar", null)).build());
        assertEquals(OrtBuilds.Build.NONE, scan().build());
        assertNull(scan(fakeJar("g.jar", "onnxruntime_gpu")).conflict());
    }

    @Test
    void bothBuildsOnOneClassPathAreRefusedNamingBothArtifactsAndJars() throws Exception {
        Path cpu = fakeJar("onnxruntime-1.23.2.jar", "onnxruntime");
        Path gpu = fakeJar("onnxruntime_gpu-1.23.2.jar", "onnxruntime_gpu");
        for (OrtBuilds b : new OrtBuilds[] {scan(cpu, gpu), scan(gpu, cpu)}) {
            assertEquals(OrtBuilds.Build.CONFLICT, b.build());
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class, b::requireSingle);
            assertEquals(ErrorCode.CONFLICTING_RUNTIMES, e.code());
            String m = e.getMessage();
            assertTrue(m.startsWith("both builds of ONNX Runtime are on the class path: "), m);
            assertTrue(m.contains("com.microsoft.onnxruntime:onnxruntime (" + cpu + ")"), m);
            assertTrue(m.contains("com.microsoft.onnxruntime:onnxruntime_gpu (" + gpu + ")"), m);
            assertTrue(m.contains("io.scaleprotoseg:scaleprotoseg-runtime-ort-gpu"), "says what to keep: " + m);
        }
    }

    @Test
    void twoCopiesOfTheApiWithoutMetadataAreRefusedToo() throws Exception {
        Path a = fakeJar("app-with-ort-inside.jar", null);
        Path b = fakeJar("onnxruntime-1.23.2.jar", "onnxruntime");
        OrtBuilds builds = scan(a, b);
        assertEquals(OrtBuilds.Build.CONFLICT, builds.build());
        String m = builds.conflict();
        assertTrue(m.startsWith("ONNX Runtime's classes are on the class path 2 times: " + a + ", " + b), m);
    }

    @Test
    void classDirectoriesAndJarsAreNamedByTheirPath() throws Exception {
        String r = "ai/onnxruntime/OrtEnvironment.class";
        assertEquals("/x/a.jar", OrtBuilds.container(new URL("jar:file:/x/a.jar!/" + r), r));
        assertEquals("/x/classes/", OrtBuilds.container(new URL("file:/x/classes/" + r), r));
    }
}
