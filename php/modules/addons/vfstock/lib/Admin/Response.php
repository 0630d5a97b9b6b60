<?php

declare(strict_types=1);

namespace WHMCS\Module\Addon\VfStock\Admin;

/**
 * What the controller answers: the page's HTML (inside WHMCS's admin
 * layout), a JSON document, or a 303 redirect (Post/Redirect/Get).
 */
final class Response
{
    private const JSON_FLAGS = JSON_UNESCAPED_SLASHES | JSON_PARTIAL_OUTPUT_ON_ERROR | JSON_INVALID_UTF8_SUBSTITUTE;

    /** @param 'html'|'json'|'redirect' $type */
    private function __construct(
        public readonly int $status,
        public readonly string $type,
        public readonly string $body,
        public readonly ?string $location = null,
    ) {
    }

    public static function html(string $body, int $status = 200): self
    {
        return new self($status, 'html', $body);
    }

    /** @param array<string, mixed> $payload */
    public static function json(array $payload, int $status = 200): self
    {
        $body = json_encode($payload, self::JSON_FLAGS);

        return new self($status, 'json', $body === false ? '{"success":false}' : $body);
    }

    /** 303 See Other: the browser GETs $location, so a reload never posts again. */
    public static function redirect(string $location): self
    {
        $body = '<p>Done: <a href="' . Html::e($location) . '">back to the stock page</a>.</p>';

        return new self(303, 'redirect', $body, $location);
    }

    /**
     * Sends it from inside WHMCS's admin page. JSON and redirects replace
     * the whole page (WHMCS buffers the module's output until its layout is
     * drawn), so they end the request; HTML is printed into the layout.
     */
    public function send(): void
    {
        if ($this->type === 'html') {
            if ($this->status !== 200 && !headers_sent()) {
                http_response_code($this->status);
            }
            echo $this->body;

            return;
        }
        while (ob_get_level() > 0) {
            ob_end_clean();
        }
        if ($this->type === 'json') {
            if (!headers_sent()) {
                http_response_code($this->status);
                header('Content-Type: application/json; charset=utf-8');
                header('Cache-Control: no-store');
            }
            echo $this->body;
            exit;
        }
        if (!headers_sent()) {
            header('Location: ' . str_replace(["\r", "\n"], '', (string) $this->location), true, 303);
            header('Cache-Control: no-store');
            echo $this->body;
        } else {
            // Too late for a header: send the browser on from the page itself.
            $url = Html::e($this->location);
            echo '<meta http-equiv="refresh" content="0;url=' . $url . '">' . $this->body;
        }
        exit;
    }
}
