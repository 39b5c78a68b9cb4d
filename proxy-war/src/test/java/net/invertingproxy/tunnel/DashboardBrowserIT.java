package net.invertingproxy.tunnel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;

import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser, Debian's headless Chromium driven through its chromedriver: an
 * operator opens it, sees an agent connect, sees a request sent through the tunnel appear in the
 * inspector, replays it and sees the second answer beside the first. A screenshot is kept as
 * {@code target/dashboard-screenshot.png}; the page logs no console error.
 */
class DashboardBrowserIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final Path SCREENSHOT = Path.of("target", "dashboard-screenshot.png");

    private Tunnel tunnel;
    private ChromeDriver browser;

    @BeforeEach
    void startTunnelAndBrowser() throws Exception {
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "the browser test needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver;"
                        + " .ci/run installs them)");
        tunnel = Tunnel.withoutAgent(Tunnel.settings("poll-hold-seconds", "1"));
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // As root in a container, without a GPU; no background calls to Google, which this network refuses.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1400,1000",
                "--user-data-dir=" + Files.createTempDirectory("dashboard-browser"));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
    }

    // As the operator does: the page asks for the admin token.
    private void openDashboard() {
        browser.get("http://127.0.0.1:" + tunnel.proxy.port() + "/_dashboard/");
        await(By.id("token")).sendKeys(Tunnel.ADMIN_TOKEN);
        await(By.cssSelector("#login button")).click();
    }

    @AfterEach
    void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (tunnel != null) {
            tunnel.close();
        }
    }

    @Test
    void anOperatorSeesTheAgentConnectTheRequestArriveAndItsReplay() throws Exception {
        AtomicInteger answers = new AtomicInteger();
        tunnel.backend.behave((request, response, recorded) -> {
            response.setStatus(200);
            response.setContentType("text/plain");
            response.getOutputStream().write(("answer #" + answers.incrementAndGet()).getBytes(StandardCharsets.UTF_8));
        });
        openDashboard();
        WebElement row = await(By.cssSelector("#backends tr[data-backend='default']"));
        assertEquals("0", row.findElement(By.cssSelector(".agents")).getText(), "no agent yet");

        tunnel.startAgent();
        awaitText(By.cssSelector("#backends tr[data-backend='default'] .agents"), "1");
        await(By.cssSelector("#backends tr[data-backend='default']")).click();
        awaitText(By.cssSelector("#agents tbody tr td:nth-child(3)"), "inverting-proxy-agent/");

        String firstAnswer = tunnel.client.execute(new HttpGet(tunnel.uri("/hello?from=browser-test")),
                response -> EntityUtils.toString(response.getEntity()));
        assertTrue(firstAnswer.startsWith("answer #"), firstAnswer);
        WebElement recorded = awaitRow("GET /hello?from=browser-test");
        recorded.click();
        awaitText(By.cssSelector("#original .answer .status"), "200");

        await(By.id("replay")).click();
        awaitText(By.cssSelector("#replayed .answer .status"), "200");
        String secondAnswer = awaitText(By.cssSelector("#replayed .answer .body"), "answer #");
        assertNotEquals(firstAnswer, secondAnswer, "the replay's answer is a new one");
        awaitRow("(replay of ");

        Files.createDirectories(SCREENSHOT.getParent());
        Files.write(SCREENSHOT, browser.getScreenshotAs(OutputType.BYTES));
        assertTrue(Files.size(SCREENSHOT) > 10_000, "the screenshot is empty");
        List<LogEntry> errors = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
        assertEquals(List.of(), errors.stream().map(LogEntry::getMessage).toList(), "the page logged errors");
    }

    @Test
    void aHundredBackendsAreAllListedAtTheFirstDraw() throws Exception {
        for (int i = 0; i < 99; i++) {
            tunnel.admin.create("{\"id\": \"b" + i + "\", \"routes\": [{\"pathPrefix\": \"/b" + i + "/\"}]}");
        }
        long start = System.nanoTime();
        openDashboard();
        new WebDriverWait(browser, WAIT).until(driver ->
                driver.findElements(By.cssSelector("#backends tbody tr")).size() == 100);
        long millis = (System.nanoTime() - start) / 1_000_000;

        assertTrue(millis < 5_000, "the page took " + millis + " ms to list 100 backends");
        await(By.cssSelector("#backends tr[data-backend='b42']")).click();
        awaitText(By.id("backend-id"), "b42");
    }

    private WebElement await(By locator) {
        return new WebDriverWait(browser, WAIT).until(driver -> {
            List<WebElement> found = driver.findElements(locator);
            return found.isEmpty() || !found.get(0).isDisplayed() ? null : found.get(0);
        });
    }

    // The page redraws every two seconds, so an element is looked up afresh until it says what is expected.
    private String awaitText(By locator, String expected) {
        return new WebDriverWait(browser, WAIT).withMessage(() -> locator + " never showed " + expected).until(driver -> {
            for (WebElement element : driver.findElements(locator)) {
                try {
                    String text = element.getText();
                    if (text.contains(expected)) {
                        return text;
                    }
                } catch (org.openqa.selenium.StaleElementReferenceException e) {
                    // Redrawn meanwhile: looked up again.
                }
            }
            return null;
        });
    }

    private WebElement awaitRow(String text) throws IOException {
        return new WebDriverWait(browser, WAIT).withMessage(() -> "no inspector row with " + text).until(driver -> {
            for (WebElement row : driver.findElements(By.cssSelector("#exchanges tbody tr"))) {
                try {
                    if (row.getText().contains(text)) {
                        return row;
                    }
                } catch (org.openqa.selenium.StaleElementReferenceException e) {
                    // Redrawn meanwhile: looked up again.
                }
            }
            return null;
        });
    }
}
