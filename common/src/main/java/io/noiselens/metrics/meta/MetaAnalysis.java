package io.noiselens.metrics.meta;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * MetaQuantus's meta-consistency of each metric (Hedström, Bommer, Wickström, Samek, Lapuschkin, Höhne, "The
 * Meta-Evaluation Problem in Explainable AI", TMLR 2023; {@code metaquantus/meta_evaluation.py}, METHODS-2.md §B.7),
 * per perturbation kind (model, input) and iteration k:
 * <ul>
 *   <li>IAC_NR: the Wilcoxon p-value ({@link Wilcoxon}) between the clean scores q and the scores q̂ under a minor
 *       perturbation, on the images whose prediction it kept, averaged over methods and perturbations (1: the scores
 *       did not move);</li>
 *   <li>IAC_AR: 1 − that p-value under a disruptive perturbation, on the images whose prediction it changed;</li>
 *   <li>IEC_NR: the share of (image, rank position) pairs at which the methods' order by q and by q̂ agree (minor);</li>
 *   <li>IEC_AR: the share of (method, image) pairs whose q̂ is worse than q in the metric's own direction
 *       (disruptive; MetaQuantus's code always counts q̂ &gt; q, right for lower-is-better metrics only);</li>
 * </ul>
 * MC = the mean of the four, then its mean and standard deviation over the K iterations; 1 is ideal. Deviations, each
 * recorded: images are selected by whether the perturbation changed the clean prediction (MetaQuantus compares with
 * the true label, so misclassified images leak into the adversary set); a criterion without images or with one
 * method (IEC) is NaN rather than MetaQuantus's p = 0, and MC is the mean of the defined criteria.
 */
public final class MetaAnalysis {
    private MetaAnalysis() {}

    /** One metric value of one image and method, clean and under one perturbation. */
    public record Observation(String metric, String method, String image, MetaTest test, int iteration,
                              int perturbation, double clean, double perturbed, boolean predictionChanged) {}

    /** One metric's meta-consistency under one kind of perturbation; {@code rank} 1 is the most consistent metric. */
    public record Result(String metric, String kind, double iacNr, double iacAr, double iecNr, double iecAr, double mc,
                         double mcStd, int iterations, double resilienceImages, double adversaryImages, int rank) {
        Result withRank(int r) {
            return new Result(metric, kind, iacNr, iacAr, iecNr, iecAr, mc, mcStd, iterations, resilienceImages,
                    adversaryImages, r);
        }
    }

    /** Every metric's result per perturbation kind, ranked by MC (NaN last) within each kind. */
    public static List<Result> analyse(List<Observation> observations, Map<String, Boolean> higherIsBetter) {
        Map<String, Map<String, List<Observation>>> byMetricKind = new TreeMap<>();
        for (Observation o : observations) {
            byMetricKind.computeIfAbsent(o.metric(), k -> new TreeMap<>())
                    .computeIfAbsent(o.test().kind(), k -> new ArrayList<>()).add(o);
        }
        Map<String, List<Result>> byKind = new TreeMap<>();
        byMetricKind.forEach((metric, kinds) -> kinds.forEach((kind, obs) -> byKind.computeIfAbsent(kind,
                k -> new ArrayList<>()).add(result(metric, kind, obs, higherIsBetter.getOrDefault(metric, true)))));
        List<Result> out = new ArrayList<>();
        for (List<Result> rs : byKind.values()) {
            rs.sort(Comparator.comparingDouble((Result r) -> Double.isNaN(r.mc()) ? Double.NEGATIVE_INFINITY : r.mc())
                    .reversed().thenComparing(Result::metric));
            for (int i = 0; i < rs.size(); i++) out.add(rs.get(i).withRank(i + 1));
        }
        return out;
    }

    private static Result result(String metric, String kind, List<Observation> obs, boolean higherIsBetter) {
        // [test][iteration][perturbation] → method → image → observation
        Map<MetaTest, Map<Integer, Map<Integer, Map<String, Map<String, Observation>>>>> index = new LinkedHashMap<>();
        for (Observation o : obs) {
            index.computeIfAbsent(o.test(), k -> new TreeMap<>()).computeIfAbsent(o.iteration(), k -> new TreeMap<>())
                    .computeIfAbsent(o.perturbation(), k -> new TreeMap<>())
                    .computeIfAbsent(o.method(), k -> new TreeMap<>()).put(o.image(), o);
        }
        TreeSet<Integer> iterations = new TreeSet<>();
        for (Observation o : obs) iterations.add(o.iteration());
        double[] mc = new double[iterations.size()];
        double[] sums = new double[4];
        int[] counts = new int[4];
        double resImages = 0, advImages = 0;
        int resCount = 0, advCount = 0, k = 0;
        for (int it : iterations) {
            double[] criteria = new double[4];
            for (boolean adversary : new boolean[]{false, true}) {
                MetaTest test = test(kind, adversary);
                Map<Integer, Map<String, Map<String, Observation>>> perturbations =
                        index.getOrDefault(test, Map.of()).getOrDefault(it, Map.of());
                List<Double> iac = new ArrayList<>(), iec = new ArrayList<>();
                for (Map<String, Map<String, Observation>> methods : perturbations.values()) {
                    List<String> images = selected(methods, adversary);
                    if (adversary) {
                        advImages += images.size();
                        advCount++;
                    } else {
                        resImages += images.size();
                        resCount++;
                    }
                    for (Map<String, Observation> byImage : methods.values()) {
                        List<double[]> pairs = new ArrayList<>();
                        for (String img : images) {
                            Observation o = byImage.get(img);
                            if (o != null && Double.isFinite(o.clean()) && Double.isFinite(o.perturbed())) {
                                pairs.add(new double[]{o.clean(), o.perturbed()});
                            }
                        }
                        double[] q = pairs.stream().mapToDouble(p -> p[0]).toArray();
                        double[] qh = pairs.stream().mapToDouble(p -> p[1]).toArray();
                        double p = Wilcoxon.pValue(q, qh);
                        if (!Double.isNaN(p)) iac.add(adversary ? 1 - p : p);
                    }
                    double e = adversary ? worsened(methods, images, higherIsBetter) : rankAgreement(methods, images);
                    if (!Double.isNaN(e)) iec.add(e);
                }
                criteria[adversary ? 1 : 0] = mean(iac);
                criteria[adversary ? 3 : 2] = mean(iec);
            }
            double s = 0;
            int defined = 0;
            for (int c = 0; c < 4; c++) {
                if (Double.isNaN(criteria[c])) continue;
                s += criteria[c];
                defined++;
                sums[c] += criteria[c];
                counts[c]++;
            }
            mc[k++] = defined == 0 ? Double.NaN : s / defined;
        }
        double mean = 0, sd = 0;
        for (double v : mc) mean += v / mc.length;
        for (double v : mc) sd += (v - mean) * (v - mean) / mc.length;
        return new Result(metric, kind, avg(sums[0], counts[0]), avg(sums[1], counts[1]), avg(sums[2], counts[2]),
                avg(sums[3], counts[3]), mean, Math.sqrt(sd), iterations.size(), avg(resImages, resCount),
                avg(advImages, advCount), 0);
    }

    private static MetaTest test(String kind, boolean adversary) {
        for (MetaTest t : MetaTest.values()) if (t.kind().equals(kind) && t.adversary() == adversary) return t;
        throw new IllegalArgumentException(kind);
    }

    /** The images a perturbation selects: kept predictions for resilience, changed ones for adversary tests. */
    private static List<String> selected(Map<String, Map<String, Observation>> methods, boolean adversary) {
        TreeSet<String> out = new TreeSet<>();
        for (Map<String, Observation> byImage : methods.values()) {
            byImage.forEach((img, o) -> {
                if (o.predictionChanged() == adversary) out.add(img);
            });
        }
        return new ArrayList<>(out);
    }

    /** IEC_NR: the share of (image, rank position) pairs at which the methods' orders by q and q̂ agree. */
    private static double rankAgreement(Map<String, Map<String, Observation>> methods, List<String> images) {
        if (methods.size() < 2) return Double.NaN;
        List<String> names = new ArrayList<>(methods.keySet());
        int agree = 0, total = 0;
        for (String img : images) {
            double[] q = new double[names.size()], qh = new double[names.size()];
            boolean complete = true;
            for (int m = 0; m < names.size(); m++) {
                Observation o = methods.get(names.get(m)).get(img);
                complete &= o != null && Double.isFinite(o.clean()) && Double.isFinite(o.perturbed());
                if (!complete) break;
                q[m] = o.clean();
                qh[m] = o.perturbed();
            }
            if (!complete) continue;
            int[] a = argsort(q), b = argsort(qh);
            for (int r = 0; r < a.length; r++) if (a[r] == b[r]) agree++;
            total += a.length;
        }
        return total == 0 ? Double.NaN : (double) agree / total;
    }

    /** IEC_AR: the share of (method, image) pairs whose perturbed score is worse than the clean one. */
    private static double worsened(Map<String, Map<String, Observation>> methods, List<String> images,
                                   boolean higherIsBetter) {
        if (methods.size() < 2) return Double.NaN;
        int worse = 0, total = 0;
        for (Map<String, Observation> byImage : methods.values()) {
            for (String img : images) {
                Observation o = byImage.get(img);
                if (o == null || !Double.isFinite(o.clean()) || !Double.isFinite(o.perturbed())) continue;
                total++;
                if (higherIsBetter ? o.perturbed() < o.clean() : o.perturbed() > o.clean()) worse++;
            }
        }
        return total == 0 ? Double.NaN : (double) worse / total;
    }

    /** Indices in increasing order of value, ties in index order (NumPy's stable argsort). */
    private static int[] argsort(double[] v) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        java.util.Arrays.sort(idx, Comparator.comparingDouble(i -> v[i]));
        int[] out = new int[v.length];
        for (int i = 0; i < out.length; i++) out[i] = idx[i];
        return out;
    }

    private static double mean(List<Double> v) {
        if (v.isEmpty()) return Double.NaN;
        double s = 0;
        for (double d : v) s += d;
        return s / v.size();
    }

    private static double avg(double sum, int count) {
        return count == 0 ? Double.NaN : sum / count;
    }
}
