package dev.canopy.tests;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layering of the modules, checked on their compiled main classes (this module has every one of them
 * on its test class path): the data's path runs from the event contract and statistics (core) through the
 * topology to the monitor service and the command-line app, and offline analysis sits beside the
 * monitor, never under it. Maven already refuses a cycle between modules; these rules also catch a
 * dependency that the module graph would allow but the design does not (topology reaching into analysis
 * through a shared dependency, say), and cycles between the packages within a module.
 */
class ArchitectureTest {

    private static final String CANOPY = "dev.canopy..";
    private static final String CORE = "dev.canopy.core..";
    private static final String TOPOLOGY = "dev.canopy.topology..";
    private static final String ANALYSIS = "dev.canopy.analysis..";
    private static final String MONITOR = "dev.canopy.monitor..";
    private static final String MONITOR_HTTP = "dev.canopy.monitor.http..";
    private static final String APP = "dev.canopy.app..";
    /** The monitor's own package, without its subpackages: MonitorApp, its settings and wiring. */
    private static final String MONITOR_ROOT = "dev.canopy.monitor";
    private static final String QUERY_SERVICE = "dev.canopy.monitor.query.QueryService";

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.canopy");
        // an empty import would pass every rule below: make sure the modules are there
        for (String module : new String[] {"core", "topology", "analysis", "monitor", "app"}) {
            String prefix = "dev.canopy." + module + ".";
            assertTrue(classes.stream().anyMatch(c -> c.getName().startsWith(prefix)), "no class of " + module + " imported");
        }
    }

    @Test
    void coreShouldDependOnNoOtherCanopyModule() {
        ArchRule rule = noClasses().that().resideInAPackage(CORE)
                .should().dependOnClassesThat(resideInAPackage(CANOPY).and(not(resideInAPackage(CORE))))
                .because("core is the event contract and the statistics, which every other module builds on");
        rule.check(classes);
    }

    @Test
    void topologyShouldNotDependOnMonitorAppOrAnalysis() {
        ArchRule rule = noClasses().that().resideInAPackage(TOPOLOGY)
                .should().dependOnClassesThat().resideInAnyPackage(MONITOR, APP, ANALYSIS)
                .because("the topology is what the monitor runs and what analysis replays against");
        rule.check(classes);
    }

    @Test
    void monitorShouldNotDependOnApp() {
        ArchRule rule = noClasses().that().resideInAPackage(MONITOR)
                .should().dependOnClassesThat().resideInAPackage(APP)
                .because("the command-line app wires the monitor, not the other way round");
        rule.check(classes);
    }

    @Test
    void analysisShouldNotDependOnMonitorOrApp() {
        ArchRule rule = noClasses().that().resideInAPackage(ANALYSIS)
                .should().dependOnClassesThat(resideInAnyPackage(MONITOR, APP))
                .because("offline analysis runs without a broker or a running monitor; the monitor may use it");
        rule.check(classes);
    }

    @Test
    void canopyPackagesShouldBeFreeOfCycles() {
        ArchRule rule = slices().matching("dev.canopy.(**)").should().beFreeOfCycles();
        rule.check(classes);
    }

    @Test
    void monitorHttpShouldReadThroughTheQueryServiceNotMonitorApp() {
        ArchRule rule = noClasses().that().resideInAPackage(MONITOR_HTTP)
                .should().dependOnClassesThat().resideInAPackage(MONITOR_ROOT)
                .because("the REST layer depends on the query service, not on MonitorApp and its wiring, so that"
                        + " it can be tested and served without the whole monitor");
        rule.check(classes);
        assertTrue(classes.contain(QUERY_SERVICE), QUERY_SERVICE + " exists");
        assertTrue(classes.stream()
                        .filter(c -> c.getPackageName().startsWith("dev.canopy.monitor.http"))
                        .anyMatch(c -> c.getDirectDependenciesFromSelf().stream()
                                .anyMatch(d -> d.getTargetClass().getName().equals(QUERY_SERVICE))),
                "the http package serves what " + QUERY_SERVICE + " answers");
    }
}
