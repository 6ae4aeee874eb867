"""How every browser test launches Debian's Chromium (headless, the flags this project requires)."""
CHROMIUM = {"executable_path": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]}
