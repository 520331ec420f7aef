package dev.canopy.semantic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canopy.core.assembly.CompletedRollout;
import dev.canopy.core.replay.ReplayEngine;
import dev.canopy.core.report.ReportJson;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SemanticMetricsTest {

    private static MiniLmEmbedder embedder;

    @BeforeAll
    static void loadModel() {
        embedder = new MiniLmEmbedder();
    }

    private static float[] unit(float... v) {
        return MiniLmEmbedder.normalise(v);
    }

    @Test
    void orthogonalEmbeddingsAreFullyDiverse() {
        float[][] e = {unit(1, 0, 0, 0), unit(0, 1, 0, 0), unit(0, 0, 1, 0), unit(0, 0, 0, 1)};
        for (double d : SemanticMetrics.rolloutDiversity(e)) {
            assertEquals(1.0, d, 1e-12);
        }
        assertEquals(4.0, SemanticMetrics.vendi(e), 1e-9);
    }

    @Test
    void identicalEmbeddingsHaveNoDiversityAndVendiOne() {
        float[][] e = {unit(1, 2, 3), unit(1, 2, 3), unit(1, 2, 3)};
        for (double d : SemanticMetrics.rolloutDiversity(e)) {
            assertEquals(0.0, d, 1e-6);
        }
        assertEquals(1.0, SemanticMetrics.vendi(e), 1e-6);
    }

    @Test
    void twoClustersGiveKnownValues() {
        float[][] e = {unit(1, 0), unit(1, 0), unit(0, 1), unit(0, 1)};
        // d_i = 1 - (1 + 0 + 0) / 3; K/n has eigenvalues 1/2, 1/2 -> Vendi exp(log 2) = 2
        for (double d : SemanticMetrics.rolloutDiversity(e)) {
            assertEquals(2.0 / 3, d, 1e-12);
        }
        assertEquals(2.0, SemanticMetrics.vendi(e), 1e-9);
    }

    @Test
    void vendiIsTheSameFromTheSmallerGramMatrix() {
        Random rng = new Random(4);
        float[][] e = new float[7][];
        for (int i = 0; i < e.length; i++) {
            e[i] = unit((float) rng.nextGaussian(), (float) rng.nextGaussian(), (float) rng.nextGaussian());
        }
        // 7 vectors in 3 dimensions: the 3x3 path; compare with an explicit 7x7 kernel
        double[][] k = new double[7][7];
        for (int i = 0; i < 7; i++) {
            for (int j = 0; j < 7; j++) {
                double s = 0;
                for (int a = 0; a < 3; a++) {
                    s += (double) e[i][a] * e[j][a];
                }
                k[i][j] = s / 7;
            }
        }
        double h = 0;
        for (double l : new org.apache.commons.math3.linear.EigenDecomposition(new org.apache.commons.math3.linear.Array2DRowRealMatrix(k)).getRealEigenvalues()) {
            if (l > 1e-12) {
                h -= l * Math.log(l);
            }
        }
        assertEquals(Math.exp(h), SemanticMetrics.vendi(e), 1e-9);
    }

    @Test
    void identicalTextsThroughTheRealModelHaveZeroDiversity() {
        float[][] e = embedder.embed(List.of("The cat sat on the mat.", "The cat sat on the mat.", "The cat sat on the mat."));
        assertEquals(384, e[0].length);
        for (double d : SemanticMetrics.rolloutDiversity(e)) {
            assertEquals(0.0, d, 1e-5);
        }
    }

    @Test
    void realGpt2GenerationsAreDiverseAndParaphrasesAreNot() throws IOException {
        JsonNode texts = new ObjectMapper().readTree(Path.of("src/test/resources/fixtures/gpt2-gltr/texts.json").toFile());
        List<String> gpt2 = new ArrayList<>();
        texts.forEach(t -> gpt2.add(t.asText()));
        assertEquals(3, gpt2.size());
        double[] unrelated = SemanticMetrics.rolloutDiversity(embedder.embed(gpt2));
        String unicorn = gpt2.get(0);
        String firstSentence = unicorn.substring(0, unicorn.indexOf('.') + 1);
        double[] paraphrases = SemanticMetrics.rolloutDiversity(embedder.embed(List.of(firstSentence,
                "Scientists were shocked to find a herd of unicorns living in an unexplored valley in the Andes.",
                "A herd of unicorns was discovered by researchers in a remote Andean valley.")));
        double meanUnrelated = (unrelated[0] + unrelated[1] + unrelated[2]) / 3;
        double meanParaphrases = (paraphrases[0] + paraphrases[1] + paraphrases[2]) / 3;
        assertTrue(meanUnrelated > 0.5, "three unrelated GPT-2 generations: " + meanUnrelated);
        assertTrue(meanParaphrases < meanUnrelated - 0.3, "paraphrases " + meanParaphrases + " vs unrelated " + meanUnrelated);
    }

    @Test
    void keepsAtMostTheBoundPerPromptWhateverTheOrder() {
        List<CompletedRollout> rollouts = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            rollouts.add(new CompletedRollout("m", "r", "x" + i, "p", 10 + i % 7, 20.0 + i % 5, 0, "stop", 10, 0, 0, i, false));
        }
        SemanticAccumulator a = new SemanticAccumulator(16, 10);
        SemanticAccumulator b = new SemanticAccumulator(16, 10);
        List<CompletedRollout> shuffled = new ArrayList<>(rollouts);
        Collections.shuffle(shuffled, new Random(2));
        rollouts.forEach(r -> a.add(r, unit(r.length(), 1)));
        shuffled.forEach(r -> b.add(r, unit(r.length(), 1)));
        assertEquals(16, a.kept());
        assertEquals(200, a.embedded());
        assertEquals(SemanticMetrics.of(a).diversity(), SemanticMetrics.of(b).diversity(), 1e-12);
    }

    @Test
    void replayWritesTheSemanticBlockPerRelease() throws IOException {
        SemanticAnalyzer analyzer = new SemanticAnalyzer(embedder, 64, 100);
        ReplayEngine engine = new ReplayEngine(ReplayEngine.Options.defaults(), 4000, analyzer::accept);
        String[] answers = {"Paris is the capital of France.", "The capital city of France is Paris.", "France's capital? Paris.",
                "I like turtles very much.", "Bananas are yellow and curved."};
        for (int i = 0; i < answers.length; i++) {
            String[] words = answers[i].split(" ");
            for (int p = 0; p < words.length; p++) {
                String json = "{\"model\":\"m\",\"release\":\"r\",\"rollout_id\":\"x" + i + "\",\"prompt_id\":\"q\",\"position\":" + p
                        + ",\"logprob\":-" + (0.5 + 0.1 * i) + ",\"text\":\"" + (p == 0 ? "" : " ") + words[p] + "\""
                        + (p == words.length - 1 ? ",\"final\":true" : "") + "}";
                byte[] b = json.getBytes(StandardCharsets.UTF_8);
                engine.accept(b, 0, b.length);
            }
        }
        var report = engine.finish();
        analyzer.flush();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ReportJson.write(report, out, analyzer.extension());
        JsonNode semantic = new ObjectMapper().readTree(out.toByteArray()).get("groups").get(0).get("semantic");
        assertEquals(5, semantic.get("rollouts_embedded").asInt());
        double diversity = semantic.get("diversity").asDouble();
        assertTrue(diversity > 0 && diversity < 1, semantic.toString());
        assertTrue(semantic.get("vendi").asDouble() > 1 && semantic.get("vendi").asDouble() < 5, semantic.toString());
        assertTrue(semantic.get("diversity_entropy_rate").has("pearson"));
        System.out.printf("MiniLM embeddings: %.0f per second on this machine%n", analyzer.embeddingsPerSecond());
    }
}
