package io.scaleprotoseg.runtime.ort;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.sdk.ModelKind;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GPU flavour's class path, and the mistake it invites: both ONNX Runtime builds on one class
 * path, which a separate JVM (this test's class path with the CPU build in front) must refuse with
 * a typed error naming both artifacts, for an explicit backend and for AUTO alike.
 */
class BothBuildsTest {
    @TempDir
    Path dir;

    @Test
    void theGpuFlavourHoldsTheGpuBuildOnly() throws Exception {
        OrtBuilds b = OrtBuilds.scan(BothBuildsTest.class.getClassLoader());
        assertEquals(OrtBuilds.Build.GPU, b.build(), "scaleprotoseg-runtime-ort-gpu must exclude " + OrtBuilds.CPU_ARTIFACT
                + ": " + b.conflict());
        assertTrue(b.location().contains("onnxruntime_gpu-"), b.location());
    }

    @Test
    void bothBuildsOnOneClassPathGiveATypedErrorNamingBothArtifacts() throws Exception {
        Path cpuJar = Path.of(System.getProperty("ort.cpu.jar", "target/cpu-build/onnxruntime.jar"));
        assertTrue(Files.isRegularFile(cpuJar), "the build copies the CPU build to " + cpuJar);
        Path model = TestModels.write(TestModels.model(ModelKind.PROTOSEG, 81), dir, "m");
        String classPath = cpuJar + File.pathSeparator + System.getProperty("java.class.path");
        Path out = dir.resolve("probe.txt");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath, BothBuildsProbe.class.getName(), model.toString())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the probe JVM finished");
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join("\n", lines));
        for (String backend : List.of("ort-cpu", "ort-cuda", "auto")) {
            String line = lines.stream().filter(l -> l.startsWith(backend + ": ")).findFirst().orElse("");
            assertTrue(line.startsWith(backend + ": CONFLICTING_RUNTIMES both builds of ONNX Runtime are on the class path"),
                    "line for " + backend + " in:\n" + String.join("\n", lines));
            assertTrue(line.contains("com.microsoft.onnxruntime:onnxruntime (" + cpuJar + ")"), line);
            assertTrue(line.contains("com.microsoft.onnxruntime:onnxruntime_gpu ("), line);
        }
    }
}
