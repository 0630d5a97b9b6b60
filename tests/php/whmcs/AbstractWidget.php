<?php

/**
 * WHMCS's base class of admin dashboard widgets, as a stand-in: the
 * properties and the two methods a widget provides (getData, generateOutput).
 */

declare(strict_types=1);

namespace WHMCS\Module;

abstract class AbstractWidget
{
    protected $title = '';
    protected $description = '';
    protected $weight = 100;
    protected $columns = 1;
    protected $cache = false;
    protected $cacheExpiry = 3600;
    protected $requiredPermission = '';

    abstract public function getData();

    abstract public function generateOutput($data);

    public function getTitle()
    {
        return $this->title;
    }

    public function getWeight()
    {
        return $this->weight;
    }

    public function getColumnSize()
    {
        return $this->columns;
    }

    public function isCachable()
    {
        return $this->cache;
    }

    public function getRequiredPermission()
    {
        return $this->requiredPermission;
    }

    /** What the dashboard shows: the widget's output for its data. */
    public function render()
    {
        return $this->generateOutput($this->getData());
    }
}
