package io.scaleprotoseg.trainer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scaleprotoseg.sdk.ModelCard.ClassInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ADE20K class names from the files users hold: the release's TAB file and the two csv variants. */
class Ade20kClassNamesTest {
    @TempDir
    Path root;

    /** Rows as the release has them: a few real synonym lists, the rest generic. */
    private static String name(int idx, String sep) {
        return switch (idx) {
            case 1 -> "wall";
            case 2 -> String.join(sep, "building", "edifice");
            case 13 -> String.join(sep, "person", "individual", "someone", "somebody", "mortal", "soul");
            case 150 -> "flag";
            default -> String.join(sep, "thing" + idx, "other" + idx);
        };
    }

    /** objectInfo150.txt: TAB-separated, synonyms after ", ", stray spaces (as in the release). */
    private static String officialTxt() {
        StringBuilder sb = new StringBuilder("Idx\tRatio\tTrain\tVal\tName\n");
        for (int i = 1; i <= 150; i++) {
            sb.append(i).append('\t').append("0.0").append(i % 10).append('\t').append(100 + i).append('\t').append(10 + i)
                    .append('\t').append(i == 8 ? "bed " : name(i, ", ")).append(i % 7 == 0 ? " " : "").append('\n');
        }
        return sb.toString();
    }

    /** object150_info.csv: six columns, the Name last, synonyms after ";". */
    private static String sixColumnCsv() {
        StringBuilder sb = new StringBuilder("Idx,Ratio,Train,Val,Stuff,Name\n");
        for (int i = 1; i <= 150; i++) {
            sb.append(i).append(",0.01,").append(100 + i).append(',').append(10 + i).append(',').append(i % 2).append(',')
                    .append(name(i, ";")).append('\n');
        }
        return sb.toString();
    }

    private static void assertOfficialNames(LabelSpace labels) {
        assertEquals(150, labels.numClasses());
        ClassInfo person = labels.classes().get(12);
        assertEquals("person", person.name());
        assertEquals(List.of("person", "individual", "someone", "somebody", "mortal", "soul"), person.synonyms());
        assertEquals("wall", labels.classes().get(0).name());
        assertEquals(List.of(), labels.classes().get(0).synonyms()); // one name: no synonym list
        assertEquals("building", labels.classes().get(1).name());
        assertEquals("flag", labels.classes().get(149).name());
        assertEquals("thing7", labels.classes().get(6).name());
    }

    @Test
    void theReleasesTabFileGivesTheFirstSynonymAsNameAndKeepsAll() throws Exception {
        Fixtures.write(root.resolve("ADEChallengeData2016/objectInfo150.txt"), officialTxt());
        LabelSpace labels = Ade20kDataset.labels(root);
        assertOfficialNames(labels);
        assertEquals("bed", labels.classes().get(7).name()); // the release's stray space is stripped
    }

    @Test
    void theTabFileRenamedCsvStillReads() throws Exception {
        Fixtures.write(root.resolve("objectInfo150.csv"), officialTxt());
        assertOfficialNames(Ade20kDataset.labels(root));
    }

    @Test
    void theSixColumnCsvIsReadByItsHeader() throws Exception {
        Fixtures.write(root.resolve("object150_info.csv"), sixColumnCsv());
        LabelSpace labels = Ade20kDataset.labels(root);
        assertOfficialNames(labels);
        for (ClassInfo c : labels.classes()) {
            assertTrue(!c.name().matches("\\d.*") && !c.name().contains(","), c.name());
        }
    }

    @Test
    void theFiveColumnCsvWithQuotedNamesReads() throws Exception {
        StringBuilder sb = new StringBuilder("Idx,Ratio,Train,Val,Name\n");
        for (int i = 1; i <= 150; i++) {
            sb.append(i).append(",0.01,1,1,\"").append(name(i, ", ")).append("\"\n");
        }
        Fixtures.write(root.resolve("objectInfo150.csv"), sb.toString());
        assertOfficialNames(Ade20kDataset.labels(root));
    }

    @Test
    void theTabFileIsPreferredOverTheCsvs() throws Exception {
        Fixtures.write(root.resolve("objectInfo150.txt"), officialTxt());
        Fixtures.write(root.resolve("object150_info.csv"), "garbage\n");
        assertEquals("person", Ade20kDataset.labels(root).classes().get(12).name());
    }

    @Test
    void anyOtherFileIsAnErrorNamingTheFileAndTheAcceptedFormats() throws Exception {
        Path file = root.resolve("objectInfo150.txt");
        Fixtures.write(file, "wall\nbuilding\n");
        DatasetException e = assertThrows(DatasetException.class, () -> Ade20kDataset.labels(root));
        assertEquals(file + " is not an ADE20K class list: its first line 'wall' is neither TAB- nor comma-separated; "
                + Ade20kClassNames.ACCEPTED, e.getMessage());
        assertTrue(e.getMessage().contains("object150_info.csv: Idx,Ratio,Train,Val,Stuff,Name"), e.getMessage());

        Fixtures.write(file, "Id,Label\n1,wall\n");
        e = assertThrows(DatasetException.class, () -> Ade20kDataset.labels(root));
        assertEquals(file + " is not an ADE20K class list: its header 'Id,Label' has no Idx column; "
                + Ade20kClassNames.ACCEPTED, e.getMessage());

        Fixtures.write(file, officialTxt().replace("\n3\t", "\n4\t"));
        e = assertThrows(DatasetException.class, () -> Ade20kDataset.labels(root));
        assertEquals(file + " line 4: Idx 4, expected 3 (Idx runs 1..150 in order)", e.getMessage());

        Fixtures.write(file, officialTxt().lines().limit(101).reduce("", (a, b) -> a + b + "\n"));
        e = assertThrows(DatasetException.class, () -> Ade20kDataset.labels(root));
        assertEquals(file + " names 100 classes, expected 150", e.getMessage());
    }

    @Test
    void builtInNamesAreTheOfficialOnesNotNumbers() throws Exception {
        LabelSpace builtIn = Datasets.builtInLabels("ade20k");
        assertEquals("person", builtIn.classes().get(12).name());
        assertEquals("chest of drawers", builtIn.classes().get(44).name());
        assertEquals("flag", builtIn.classes().get(149).name());
        assertEquals(builtIn, Datasets.builtInLabels("ade"));
        // no class-name file in the data root: the same official names
        Files.createDirectories(root.resolve("images/training"));
        assertEquals(builtIn, Ade20kDataset.labels(root));
    }
}
