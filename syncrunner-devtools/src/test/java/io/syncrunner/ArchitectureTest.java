package io.syncrunner;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The product's package rules, checked on the compiled classes of the product and of the dev tools (their main
 * classes; no test class): no package cycles, generic packages never name or use a provider (but for the wiring
 * that assembles them), providers apart from each other, the product never uses the dev tools. Each rule is also
 * evaluated on a few deliberately bad classes of the test sources (package {@code architectureviolations}), to show
 * that it reports what it is meant to. {@link #shouldPrintThePackageGraph()} prints the graph ({@code PACKAGE GRAPH:}
 * lines): {@code mvn -B -o test -pl syncrunner-devtools -Dtest=ArchitectureTest}.
 */
class ArchitectureTest {
    private static final String PRODUCT = "io.syncrunner";
    private static final String FIXTURES = "architectureviolations";
    /** Packages below the root that hold no provider knowledge (the root package itself is generic too). */
    private static final String[] GENERIC = {"journal", "runs", "observability", "support", "auth", "schedules", "ops",
            "security", "sync", "inventory", "lineage", "alerts"};
    /** Where the providers are assembled: the runner's wiring and the check command's. */
    private static final String[] WIRING = {"SyncRunnerConfiguration", "ops.CheckConfiguration"};

    /** Main classes only: no test class of either module (test-classes folders, the product's test jar). */
    private static final ImportOption MAIN_CLASSES_ONLY = location -> !location.contains("/test-classes/")
            && !location.matches(Pattern.compile(".*-tests\\.jar.*"));

    private static final JavaClasses CLASSES = new ClassFileImporter().withImportOption(MAIN_CLASSES_ONLY)
            .importPackages(PRODUCT);
    private static final JavaClasses BAD_CLASSES = new ClassFileImporter().importPackages(FIXTURES);

    // ---- the rules, for a root package (the product's, or the bad examples')

    /** Slices by the first package below the root; the root package is a slice of its own ("root"). */
    static SliceAssignment packagesBelow(String root, boolean withDevtools) {
        return new SliceAssignment() {
            @Override
            public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
                String name = sliceOf(root, javaClass);
                return name == null || (!withDevtools && name.equals("devtools")) ? SliceIdentifier.ignore()
                        : SliceIdentifier.of(name);
            }

            @Override
            public String getDescription() {
                return "the packages below " + root + " (" + root + " itself one of them)"
                        + (withDevtools ? "" : ", without " + root + ".devtools");
            }
        };
    }

    static String sliceOf(String root, JavaClass javaClass) {
        String p = javaClass.getPackageName();
        if (p.equals(root)) {
            return "root";
        }
        if (!p.startsWith(root + ".")) {
            return null;
        }
        String below = p.substring(root.length() + 1);
        int dot = below.indexOf('.');
        return dot < 0 ? below : below.substring(0, dot);
    }

    static ArchRule productPackagesHaveNoCycles(String root) {
        return slices().assignedFrom(packagesBelow(root, false)).should().beFreeOfCycles()
                .because("a package that needs another that needs it back is one package in two folders: neither can be"
                        + " understood, tested or changed alone");
    }

    static String[] genericPackages(String root) {
        String[] packages = new String[GENERIC.length + 1];
        for (int i = 0; i < GENERIC.length; i++) {
            packages[i] = root + "." + GENERIC[i] + "..";
        }
        packages[GENERIC.length] = root;
        return packages;
    }

    static DescribedPredicate<JavaClass> wiring(String root) {
        return DescribedPredicate.describe("the wiring that assembles the providers", c -> {
            for (String w : WIRING) {
                String name = root + "." + w;
                if (c.getName().equals(name) || c.getName().startsWith(name + "$")) {
                    return true;
                }
            }
            return false;
        });
    }

    static ArchRule genericPackagesDoNotUseProviders(String root) {
        return noClasses().that().resideInAnyPackage(genericPackages(root)).and(DescribedPredicate.not(wiring(root)))
                .should().dependOnClassesThat().resideInAnyPackage(root + ".airbyte..", root + ".fivetran..")
                .because("generic packages never name a provider: only the wiring (" + root + ".SyncRunnerConfiguration"
                        + " for the runner, " + root + ".ops.CheckConfiguration for the check command) assembles the"
                        + " providers' classes, and hands them to the generic code through generic types (AccountProbe,"
                        + " account lookups, beans the routes name)");
    }

    static ArchRule genericPackagesDoNotNameProviders(String root) {
        return noClasses().that().resideInAnyPackage(genericPackages(root))
                .should().haveNameMatching("(?i).*[.$][^.$]*(airbyte|fivetran)[^.]*")
                .because("a class named for a provider holds that provider's knowledge, which belongs in " + root
                        + ".airbyte or " + root + ".fivetran");
    }

    static ArchRule productDoesNotUseDevtools(String root) {
        return noClasses().that().resideInAPackage(root + "..").and().resideOutsideOfPackage(root + ".devtools..")
                .should().dependOnClassesThat().resideInAPackage(root + ".devtools..")
                .because("the product jar ships without the dev tools (emulators, bench, demo); they use the product,"
                        + " never the other way round");
    }

    static ArchRule airbyteDoesNotUseFivetran(String root) {
        return noClasses().that().resideInAPackage(root + ".airbyte..")
                .should().dependOnClassesThat().resideInAPackage(root + ".fivetran..")
                .because("providers use the generic packages, never each other");
    }

    static ArchRule fivetranDoesNotUseAirbyte(String root) {
        return noClasses().that().resideInAPackage(root + ".fivetran..")
                .should().dependOnClassesThat().resideInAPackage(root + ".airbyte..")
                .because("providers use the generic packages, never each other");
    }

    /** Each slice (devtools included) and the slices its classes use, sorted. */
    static Map<String, Set<String>> packageGraph(String root, JavaClasses classes) {
        Map<String, Set<String>> graph = new TreeMap<>();
        for (JavaClass c : classes) {
            String from = sliceOf(root, c);
            if (from == null) {
                continue;
            }
            Set<String> uses = graph.computeIfAbsent(from, k -> new TreeSet<>());
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String to = sliceOf(root, d.getTargetClass());
                if (to != null && !to.equals(from)) {
                    uses.add(to);
                }
            }
        }
        return graph;
    }

    // ---- the product

    @Test
    void shouldHaveNoCyclesAmongTheProductPackages() {
        productPackagesHaveNoCycles(PRODUCT).check(CLASSES);
    }

    @Test
    void shouldKeepProvidersOutOfTheGenericPackagesButForTheWiring() {
        genericPackagesDoNotUseProviders(PRODUCT).check(CLASSES);
    }

    @Test
    void shouldNameNoProviderInTheGenericPackages() {
        genericPackagesDoNotNameProviders(PRODUCT).check(CLASSES);
    }

    @Test
    void shouldNeverUseTheDevtoolsFromTheProduct() {
        productDoesNotUseDevtools(PRODUCT).check(CLASSES);
    }

    @Test
    void shouldKeepAirbyteAndFivetranApart() {
        airbyteDoesNotUseFivetran(PRODUCT).check(CLASSES);
        fivetranDoesNotUseAirbyte(PRODUCT).check(CLASSES);
    }

    @Test
    void shouldPrintThePackageGraph() {
        Map<String, Set<String>> graph = packageGraph(PRODUCT, CLASSES);
        graph.forEach((from, uses) -> System.out.println("PACKAGE GRAPH: " + from + " -> " + String.join(", ", uses)));
        // the classes were found: the product's packages and the dev tools are all there
        assertThat(graph).containsKeys("root", "airbyte", "fivetran", "journal", "runs", "support", "devtools");
        assertThat(graph.get("devtools")).contains("root");
    }

    // ---- each rule reports a bad example (test sources, package architectureviolations)

    @Test
    void shouldReportAPackageCycle() {
        JavaClasses journalAndRuns = new ClassFileImporter().importClasses(
                architectureviolations.journal.JournalUsingRuns.class, architectureviolations.runs.RunsUsingJournal.class);
        EvaluationResult result = productPackagesHaveNoCycles(FIXTURES).evaluate(journalAndRuns);
        assertThat(result.hasViolation()).isTrue();
        assertThat(String.join("\n", result.getFailureReport().getDetails())).contains("Cycle detected",
                "Slice journal", "Slice runs", "JournalUsingRuns", "RunsUsingJournal");
    }

    @Test
    void shouldNotReportTheDevtoolsInACycleCheckOfTheProduct() {
        // devtools -> runs -> devtools is a product-to-devtools problem (its own rule), not a product cycle
        EvaluationResult result = productPackagesHaveNoCycles(FIXTURES).evaluate(BAD_CLASSES);
        assertThat(result.getFailureReport().getDetails()).noneMatch(d -> d.contains("devtools"));
    }

    @Test
    void shouldReportAGenericPackageUsingAProvider() {
        assertViolations(genericPackagesDoNotUseProviders(FIXTURES), "JournalUsingAirbyte", "AirbyteClient",
                "RootUsingFivetran");
    }

    @Test
    void shouldAllowTheWiringToAssembleTheProviders() {
        EvaluationResult result = genericPackagesDoNotUseProviders(FIXTURES).evaluate(BAD_CLASSES);
        assertThat(result.getFailureReport().getDetails())
                .noneMatch(d -> d.startsWith("Class <" + FIXTURES + ".SyncRunnerConfiguration")
                        || d.startsWith("Method <" + FIXTURES + ".SyncRunnerConfiguration")
                        || d.startsWith("Constructor <" + FIXTURES + ".SyncRunnerConfiguration")
                        || d.contains(FIXTURES + ".ops.CheckConfiguration"));
        assertThat(BAD_CLASSES.get(FIXTURES + ".SyncRunnerConfiguration").getDirectDependenciesFromSelf())
                .anyMatch(d -> d.getTargetClass().getPackageName().equals(FIXTURES + ".airbyte"));
    }

    @Test
    void shouldReportAProviderNamedInAGenericPackage() {
        assertViolations(genericPackagesDoNotNameProviders(FIXTURES), "support.FivetranDates", "journal.AirbyteRows");
    }

    @Test
    void shouldReportTheProductUsingTheDevtools() {
        assertViolations(productDoesNotUseDevtools(FIXTURES), "RunsUsingDevtools", "devtools.Tool");
    }

    @Test
    void shouldReportOneProviderUsingTheOther() {
        assertViolations(airbyteDoesNotUseFivetran(FIXTURES), "AirbyteClient", "fivetran.FivetranClient");
        assertViolations(fivetranDoesNotUseAirbyte(FIXTURES), "FivetranClient", "airbyte.AirbyteClient");
    }

    private static void assertViolations(ArchRule rule, String... expected) {
        EvaluationResult result = rule.evaluate(BAD_CLASSES);
        assertThat(result.hasViolation()).as(rule.getDescription()).isTrue();
        String report = String.join("\n", result.getFailureReport().getDetails());
        for (String e : expected) {
            assertThat(report).as(rule.getDescription()).contains(e);
        }
    }
}
