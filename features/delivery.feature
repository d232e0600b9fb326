@feature:delivery-symphony
Feature: The delivery symphony is a built-in pipeline
  In order to measure how we deliver from our own evidence
  As a team that releases with pytest
  I want SAFe's continuous delivery pipeline among the built-in pipelines

  Background:
    Given a project with the sequence "release" whose beats compile and pack

  Scenario: The delivery symphony is offered with its four movements and seventeen beats
    When pytest runs with "--symphony-list"
    Then the output has the line "delivery (--symphony=delivery)*symphony:delivery*4*17*"

  Scenario: Production moves only at f: three beats wait for it
    When pytest runs with "--symphony-list"
    Then the output has the line "delivery *pp 14 p 14 mf 14 f 17 ff 17"
