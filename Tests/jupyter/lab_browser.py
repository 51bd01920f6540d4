"""Drives JupyterLab in headless Chromium (selenium with Debian's chromedriver).

Opens a notebook with one empty capas cell, types `:show fashion-mnist test 0`
into it with real key events, runs it with Shift-Enter, waits for the output,
takes a screenshot, and checks that the cell's output holds an <img> whose
data is a PNG of nonzero size (its width and height read from the PNG header)
that the browser decodes to a picture of many colours, not a blank box.

usage: lab_browser.py URL SCREENSHOT.png    (URL: the notebook's /lab/tree/… address with its token)
"""
import base64
import os
import struct
import sys
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

CELL_TEXT = ":show fashion-mnist test 0"


def fail(message, driver=None, screenshot=None):
    if driver is not None and screenshot:
        driver.save_screenshot(screenshot)
        print(f"(screenshot of the failure in {screenshot})")
    print("FAILED: " + message)
    sys.exit(1)


def png_size(data):
    """(width, height) from a PNG's IHDR chunk; None when the bytes are not a PNG."""
    if len(data) < 24 or data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def main():
    url, screenshot = sys.argv[1], sys.argv[2]
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CAPAS_CHROMIUM", "/usr/bin/chromium")
    for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,900", "--hide-scrollbars", f"--user-data-dir={tempfile.mkdtemp(prefix='capas-chromium-')}"]:
        options.add_argument(argument)
    service = Service(executable_path=os.environ.get("CAPAS_CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    try:
        driver.get(url)
        # JupyterLab re-renders the notebook while it opens: an element found a moment
        # ago may be replaced before it is checked, so a stale reference means "look again".
        wait = WebDriverWait(driver, 120, ignored_exceptions=[StaleElementReferenceException])
        # The notebook is open with its kernel: the cell's editor exists and the kernel is idle.
        try:
            editor = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, ".jp-NotebookPanel .jp-CodeCell .cm-content")))
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']"))
        except TimeoutException:
            fail("JupyterLab did not open the notebook with an idle capas kernel", driver, screenshot)
        kernel_name = driver.find_element(By.CSS_SELECTOR, ".jp-NotebookPanel .jp-KernelName").text
        if kernel_name.strip() != "capas":
            fail(f"the notebook's kernel is {kernel_name!r}, not capas", driver, screenshot)

        # Real key events: click into the editor, type the entry, Shift-Enter.
        # Found again: the wait for an idle kernel may have re-rendered the cell.
        driver.find_element(By.CSS_SELECTOR, ".jp-NotebookPanel .jp-CodeCell .cm-content").click()
        ActionChains(driver).send_keys(CELL_TEXT).perform()
        typed = driver.find_element(By.CSS_SELECTOR, ".jp-NotebookPanel .jp-CodeCell .cm-content").text
        if typed.strip() != CELL_TEXT:
            fail(f"the cell holds {typed!r} after typing, not {CELL_TEXT!r}", driver, screenshot)
        ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()

        # The first cell's output: an image, and the execution count [1].
        first = ".jp-NotebookPanel .jp-Notebook .jp-CodeCell:first-child"
        try:
            image = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, f"{first} .jp-OutputArea-output img")))
            wait.until(lambda d: d.find_element(By.CSS_SELECTOR, f"{first} .jp-InputArea-prompt").text.strip() == "[1]:")
            # Let the picture render before the screenshot.
            wait.until(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", image))
        except TimeoutException:
            outputs = [e.text for e in driver.find_elements(By.CSS_SELECTOR, f"{first} .jp-OutputArea-output")]
            fail(f"no image in the cell's output after Shift-Enter; outputs: {outputs}", driver, screenshot)
        time.sleep(0.5)
        driver.save_screenshot(screenshot)

        errors = driver.find_elements(By.CSS_SELECTOR, f"{first} .jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        if errors:
            fail("the cell printed an error: " + errors[0].text)
        source = image.get_attribute("src") or ""
        prefix = "data:image/png;base64,"
        if not source.startswith(prefix):
            fail(f"the <img> is not PNG data: {source[:60]!r}")
        data = base64.b64decode(source[len(prefix):])
        size = png_size(data)
        if size is None or size[0] == 0 or size[1] == 0:
            fail(f"the <img> data is not a PNG of nonzero size ({len(data)} bytes, header {data[:24]!r})")
        shown = (image.get_attribute("naturalWidth"), image.get_attribute("naturalHeight"))
        if shown != (str(size[0]), str(size[1])):
            fail(f"the browser decoded the picture as {shown}, the PNG header says {size}")
        # Not a blank box: the browser's own decoding of the picture has many colours (the boot's grey levels).
        colours = driver.execute_script("""
            const img = arguments[0], canvas = document.createElement('canvas');
            canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
            const context = canvas.getContext('2d'); context.drawImage(img, 0, 0);
            const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data, seen = new Set();
            for (let i = 0; i < pixels.length; i += 4) seen.add(pixels[i] + ',' + pixels[i + 1] + ',' + pixels[i + 2]);
            return seen.size;""", image)
        if colours < 16:
            fail(f"the picture has only {colours} colours: not a dataset image")
        caption = " ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, f"{first} .jp-OutputArea-output"))
        print(f"cell [1] `{CELL_TEXT}`: <img> with a {size[0]}×{size[1]} PNG ({len(data)} bytes, {colours} colours),"
              f" shown {shown[0]}×{shown[1]};"
              f" text: {caption.strip()[:80]!r}")
        print(f"screenshot: {screenshot} ({os.path.getsize(screenshot)} bytes)")
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
